# react-native-otel-sessions for iOS: the OtelSessions TurboModule (ios/), the JSI binding's C++
# (rust/jsi/cpp) compiled with the app's React Native headers, and the Rust library as an
# xcframework built by scripts/build-ios. See ios/README.md.
#
# iOS only: the xcframework has device and simulator slices, no Mac Catalyst ones
# (*-apple-ios-macabi), so a Catalyst build of the app stops at link time. iOS apps on Macs with
# Apple silicon ("Designed for iPad") run the device slice and are supported.
require "json"

package = JSON.parse(File.read(File.join(__dir__, "package.json")))
rust_xcframework = "ios/build/OtelSessionsRust.xcframework"

# `pod install` builds the Rust xcframework when it is missing (a git checkout, or a package
# published without it); CocoaPods needs the vendored framework to exist when it installs.
unless File.exist?(File.join(__dir__, rust_xcframework))
  Pod::UI.puts "react-native-otel-sessions: building the Rust xcframework (scripts/build-ios)"
  unless system("bash", File.join(__dir__, "scripts", "build-ios"))
    raise "react-native-otel-sessions: scripts/build-ios failed; it needs Xcode and Rust (rustup). See ios/README.md."
  end
end

Pod::Spec.new do |s|
  s.name         = "react-native-otel-sessions"
  s.version      = package["version"]
  s.summary      = package["description"]
  s.homepage     = package["homepage"] || "https://github.com/react-native-otel-sessions/react-native-otel-sessions"
  s.license      = package["license"]
  s.authors      = package["author"] || "react-native-otel-sessions contributors"
  # React Native's Podfile helpers exist when an app's Podfile loads this spec; a plain
  # `pod spec lint` or `pod ipc spec` has none of them.
  s.platforms    = { :ios => respond_to?(:min_ios_version_supported, true) ? min_ios_version_supported : "15.1" }
  s.source       = { :git => "https://github.com/react-native-otel-sessions/react-native-otel-sessions.git", :tag => "v#{s.version}" }

  s.source_files = "ios/**/*.{h,mm}", "rust/jsi/cpp/*.{h,cpp}", "rust/jsi/include/*.h"
  s.private_header_files = "ios/OTS*.h", "rust/jsi/cpp/*.h", "rust/jsi/include/*.h"
  s.vendored_frameworks = rust_xcframework
  s.frameworks = "UIKit"
  s.pod_target_xcconfig = {
    "HEADER_SEARCH_PATHS" => "\"$(PODS_TARGET_SRCROOT)/rust/jsi/cpp\" \"$(PODS_TARGET_SRCROOT)/rust/jsi/include\"",
  }

  # React-Core, ReactCommon, the codegen output (OtelSessionsSpec) and the C++ settings that go
  # with them; outside an app's Podfile, the two pods the module's headers come from.
  if respond_to?(:install_modules_dependencies, true)
    install_modules_dependencies(s)
  else
    s.dependency "React-Core"
    s.dependency "ReactCommon/turbomodule/core"
  end
end
