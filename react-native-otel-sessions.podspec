# react-native-otel-sessions for iOS: the OtelSessions TurboModule (ios/), the JSI binding's C++
# (rust/jsi/cpp) compiled with the app's React Native headers, and the Rust library as an
# xcframework. See ios/README.md.
#
# iOS only: the xcframework has device and simulator slices, no Mac Catalyst ones
# (*-apple-ios-macabi), so a Catalyst build of the app stops at link time. iOS apps on Macs with
# Apple silicon ("Designed for iPad") run the device slice and are supported.
require "json"

package = JSON.parse(File.read(File.join(__dir__, "package.json")))

# Where the Rust xcframework comes from (decided here only):
#   - prebuilt: the npm package ships ios/prebuilt/OtelSessionsRust.xcframework (built when the
#     package is packed, scripts/prebuilt/), so `pod install` and the app's build need no Rust;
#   - from source: in a clone (no prebuilt), or with OTEL_SESSIONS_BUILD_FROM_SOURCE=1, `pod
#     install` runs scripts/build-ios when ios/build/OtelSessionsRust.xcframework is missing
#     (CocoaPods needs a vendored framework to exist when it installs).
prebuilt_xcframework = "ios/prebuilt/OtelSessionsRust.xcframework"
source_xcframework = "ios/build/OtelSessionsRust.xcframework"
build_from_source = ENV["OTEL_SESSIONS_BUILD_FROM_SOURCE"] == "1"
if !build_from_source && File.exist?(File.join(__dir__, prebuilt_xcframework, "Info.plist"))
  rust_xcframework = prebuilt_xcframework
  Pod::UI.puts "react-native-otel-sessions: using the prebuilt Rust library #{prebuilt_xcframework}; no Rust toolchain needed"
else
  rust_xcframework = source_xcframework
  why = build_from_source ? "OTEL_SESSIONS_BUILD_FROM_SOURCE=1" : "no prebuilt library in this package: a clone"
  if File.exist?(File.join(__dir__, source_xcframework))
    Pod::UI.puts "react-native-otel-sessions: using the Rust library built from source, #{source_xcframework} (#{why}; delete it to rebuild)"
  else
    Pod::UI.puts "react-native-otel-sessions: building the Rust library from source with scripts/build-ios (#{why})"
    unless system("bash", File.join(__dir__, "scripts", "build-ios"))
      raise "react-native-otel-sessions: scripts/build-ios failed; it needs Xcode and Rust (rustup). See ios/README.md."
    end
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
