//! The baseline of `scripts/size.sh`: an empty program built with the same profile.

fn main() {
    println!("{}", std::process::id());
}
