# Evaluates react-native-otel-sessions.podspec with Ruby against a stand-in of the CocoaPods DSL
# (Pod::Spec, Pod::UI) that records what the podspec sets and says, in the situations it meets:
#   app        inside an app's Podfile, with React Native's helpers (min_ios_version_supported,
#              install_modules_dependencies) defined and the Rust xcframework built from source;
#   bare       without the helpers (`pod spec lint`, `pod ipc spec`): the respond_to? guards must
#              fall back instead of raising NoMethodError;
#   no-rust    a clone with no xcframework at all: the podspec runs scripts/build-ios (stubbed here);
#   prebuilt   the package ships ios/prebuilt/OtelSessionsRust.xcframework: it is vendored and
#              nothing is built;
#   forced     the same with OTEL_SESSIONS_BUILD_FROM_SOURCE=1: built from source instead.
# Each situation is a copy of the podspec's folder, so nothing is built or left behind here. Then
# checks what it recorded. CocoaPods itself needs macOS; this runs on any Ruby.
#
#   ruby scripts/native/check-podspec.rb [PODSPEC] [REACT_NATIVE_DIR]
#   ruby scripts/native/check-podspec.rb --installed PACKAGE_DIR REACT_NATIVE_DIR INPUTS_JSON
#
# --installed evaluates an installed package's podspec where it is (an app's node_modules), as an
# app's Podfile does, expects the prebuilt xcframework, and writes what the build would use to
# INPUTS_JSON: {"vendoredFrameworks": [absolute paths], "system": [...], "messages": [...]}.
# Prints one line per problem; exits 1 if there is any.
require "json"
require "tmpdir"
require "fileutils"

SOURCE_XCFRAMEWORK = "ios/build/OtelSessionsRust.xcframework"
PREBUILT_XCFRAMEWORK = "ios/prebuilt/OtelSessionsRust.xcframework"
FROM_SOURCE_ENV = "OTEL_SESSIONS_BUILD_FROM_SOURCE"

# The stand-in DSL: attribute writers record their values; dependency/frameworks accumulate;
# Pod::UI.puts records what the podspec tells the user.
module Pod
  module UI
    class << self
      attr_accessor :messages
    end
    self.messages = []

    def self.puts(message = "")
      messages << message.to_s
    end
  end

  class Spec
    class << self
      attr_accessor :last
    end
    attr_reader :values, :dependencies

    def initialize
      @values = {}
      @dependencies = []
      Spec.last = self
      yield self if block_given?
    end

    def dependency(name, *requirements)
      @dependencies << [name, *requirements]
    end

    def method_missing(name, *args)
      key = name.to_s
      return @values[key.chomp("=").to_sym] = args.first if key.end_with?("=") && args.length == 1
      return @values[name] if args.empty? && @values.key?(name)
      super
    end

    def respond_to_missing?(name, include_private = false)
      name.to_s.end_with?("=") || @values.key?(name) || super
    end
  end
end

# One evaluation of the podspec, in a sandbox object standing for the Podfile's top level.
# helpers: define React Native's two Podfile helpers; env: environment variables set meanwhile.
# Returns [spec, calls of system, UI messages].
def evaluate(podspec, helpers:, env: {})
  sandbox = Object.new
  calls = { system: [], install_modules_dependencies: [] }
  sandbox.define_singleton_method(:system) do |*args|
    calls[:system] << args
    true
  end
  if helpers
    sandbox.define_singleton_method(:min_ios_version_supported) { "15.1" }
    sandbox.define_singleton_method(:install_modules_dependencies) { |spec| calls[:install_modules_dependencies] << spec }
    sandbox.singleton_class.send(:private, :min_ios_version_supported, :install_modules_dependencies)
  end
  saved = env.keys.to_h { |k| [k, ENV[k]] }
  env.each { |k, v| ENV[k] = v }
  Pod::Spec.last = nil
  Pod::UI.messages = []
  begin
    sandbox.instance_eval(File.read(podspec), podspec, 1)
  ensure
    saved.each { |k, v| ENV[k] = v }
  end
  [Pod::Spec.last, calls.merge(messages: Pod::UI.messages)]
rescue NameError, NoMethodError => e
  [nil, calls.merge(error: "#{e.class}: #{e.message}", messages: Pod::UI.messages)]
end

# What every evaluation that produced a spec must get right; `vendored` is the xcframework it
# must vendor. Returns the problems found, prefixed with the label.
def spec_problems(label, spec, calls, root:, rn_min:, build_ios_default:, package:, helpers:, vendored:)
  problems = []
  v = spec.values
  problems << "name #{v[:name].inspect} is not package.json's #{package['name'].inspect}" unless v[:name] == package["name"]
  problems << "version #{v[:version].inspect} is not package.json's #{package['version'].inspect}" unless v[:version] == package["version"]
  platforms = v[:platforms] || {}
  # iOS only (no :osx, no :visionos); Mac Catalyst has no slice in the xcframework (ios/README.md).
  problems << "platforms #{platforms.inspect}: expected iOS only" unless platforms.keys == [:ios]
  problems << "iOS #{platforms[:ios].inspect} is not React Native's minimum #{rn_min}" unless platforms[:ios] == rn_min
  problems << "iOS #{platforms[:ios].inspect} differs from scripts/build-ios's IPHONEOS_DEPLOYMENT_TARGET #{build_ios_default}" unless platforms[:ios] == build_ios_default
  problems << "vendored_frameworks #{v[:vendored_frameworks].inspect}, expected #{vendored}" unless v[:vendored_frameworks] == vendored
  sources = Array(v[:source_files]).flat_map { |g| Dir.glob(File.join(root, g), File::FNM_EXTGLOB) }.map { |f| f.delete_prefix("#{root}/") }
  (Dir.glob(File.join(root, "ios", "*.{h,mm}")) + Dir.glob(File.join(root, "rust", "jsi", "cpp", "*.{h,cpp}")) + [File.join(root, "rust/jsi/include/otel_sessions.h")]).each do |f|
    rel = f.delete_prefix("#{root}/")
    problems << "source_files miss #{rel}" unless sources.include?(rel)
  end
  paths = (v[:pod_target_xcconfig] || {})["HEADER_SEARCH_PATHS"].to_s
  problems << "HEADER_SEARCH_PATHS lacks rust/jsi/include" unless paths.include?("rust/jsi/include")
  if helpers
    problems << "install_modules_dependencies was not called with the spec" unless calls[:install_modules_dependencies] == [spec]
  else
    names = spec.dependencies.map(&:first)
    problems << "without install_modules_dependencies it must depend on React-Core (got #{names.inspect})" unless names.include?("React-Core")
  end
  problems.map { |p| "#{label}: #{p}" }
end

# The build-ios call among the recorded system calls, if any.
def build_ios_call(calls)
  calls[:system].find { |args| args.last.to_s.end_with?("scripts/build-ios") }
end

# The message the podspec gave about the Rust library (exactly one is expected).
def rust_messages(calls)
  calls[:messages].select { |m| m.include?("Rust library") }
end

installed = ARGV[0] == "--installed"
if installed
  abort "usage: ruby scripts/native/check-podspec.rb --installed PACKAGE_DIR REACT_NATIVE_DIR INPUTS_JSON" unless ARGV.length == 4
  PODSPEC = File.join(File.expand_path(ARGV[1]), "react-native-otel-sessions.podspec")
  RN_DIR = File.expand_path(ARGV[2])
  INPUTS_JSON = ARGV[3]
else
  PODSPEC = File.expand_path(ARGV[0] || File.join(__dir__, "..", "..", "react-native-otel-sessions.podspec"))
  RN_DIR = File.expand_path(ARGV[1] || File.join(__dir__, "..", "..", "node_modules", "react-native"))
end
ROOT = File.dirname(PODSPEC)

problems = []
package = JSON.parse(File.read(File.join(ROOT, "package.json")))
rn_min = File.read(File.join(RN_DIR, "scripts", "cocoapods", "helpers.rb"))[/def self\.min_ios_version_supported\s+return '([\d.]+)'/, 1]
build_ios_default = File.read(File.join(ROOT, "scripts", "build-ios"))[/IPHONEOS_DEPLOYMENT_TARGET:-([\d.]+)/, 1]
common = { rn_min: rn_min, build_ios_default: build_ios_default, package: package }

if installed
  # The installed package, where it is: the prebuilt xcframework, nothing built.
  spec, calls = evaluate(PODSPEC, helpers: true, env: { FROM_SOURCE_ENV => nil })
  if spec.nil?
    problems << "installed: the podspec did not evaluate: #{calls[:error] || 'no Pod::Spec'}"
  else
    problems.concat(spec_problems("installed", spec, calls, root: ROOT, helpers: true, vendored: PREBUILT_XCFRAMEWORK, **common))
    problems << "installed: ran #{calls[:system].inspect}; an installed package must not build Rust" unless calls[:system].empty?
    said = rust_messages(calls)
    problems << "installed: expected one message naming the prebuilt library, got #{said.inspect}" unless said.length == 1 && said[0].include?("using the prebuilt Rust library")
    File.write(INPUTS_JSON, JSON.pretty_generate(
      "vendoredFrameworks" => Array(spec.values[:vendored_frameworks]).map { |f| File.join(ROOT, f) },
      "system" => calls[:system], "messages" => calls[:messages]))
  end
  problems.each { |p| puts "podspec: #{p}" }
  puts problems.empty? ? "podspec of the installed package vendors #{PREBUILT_XCFRAMEWORK} and builds nothing" : "#{problems.size} problem(s) in the installed podspec"
  exit(problems.empty? ? 0 : 1)
end

# A checkout: each situation in a copy of the podspec's folder, without any xcframework left over.
Dir.mktmpdir("ots-podspec") do |dir|
  copy = File.join(dir, File.basename(PODSPEC))
  FileUtils.cp(PODSPEC, copy)
  FileUtils.cp(File.join(ROOT, "package.json"), dir)
  FileUtils.mkdir_p(File.join(dir, "scripts"))
  FileUtils.cp(File.join(ROOT, "scripts", "build-ios"), File.join(dir, "scripts"))
  %w[ios rust].each { |d| FileUtils.cp_r(File.join(ROOT, d), dir) if File.directory?(File.join(ROOT, d)) }
  reset = lambda do |*present|
    [SOURCE_XCFRAMEWORK, PREBUILT_XCFRAMEWORK].each { |x| FileUtils.rm_rf(File.join(dir, x)) }
    present.each do |x|
      FileUtils.mkdir_p(File.join(dir, x))
      FileUtils.touch(File.join(dir, x, "Info.plist"))
    end
  end
  check = lambda do |label, helpers:, vendored:, builds:, says:, env: {}|
    spec, calls = evaluate(copy, helpers: helpers, env: env)
    if spec.nil?
      problems << "#{label}: the podspec did not evaluate: #{calls[:error] || 'no Pod::Spec'}"
      next
    end
    problems.concat(spec_problems(label, spec, calls, root: ROOT, helpers: helpers, vendored: vendored, **common))
    if builds
      problems << "#{label}: scripts/build-ios was not run (calls: #{calls[:system].inspect})" unless build_ios_call(calls)
    else
      problems << "#{label}: ran #{calls[:system].inspect}, expected nothing to be built" unless calls[:system].empty?
    end
    said = rust_messages(calls)
    problems << "#{label}: expected one message containing #{says.inspect}, got #{said.inspect}" unless said.length == 1 && said[0].include?(says)
  end

  unset = { FROM_SOURCE_ENV => nil }
  reset.call
  check.call("no-rust", helpers: true, vendored: SOURCE_XCFRAMEWORK, builds: true, says: "building the Rust library from source", env: unset)
  reset.call(SOURCE_XCFRAMEWORK)
  check.call("app", helpers: true, vendored: SOURCE_XCFRAMEWORK, builds: false, says: "built from source", env: unset)
  check.call("bare", helpers: false, vendored: SOURCE_XCFRAMEWORK, builds: false, says: "built from source", env: unset)
  reset.call(PREBUILT_XCFRAMEWORK)
  check.call("prebuilt", helpers: true, vendored: PREBUILT_XCFRAMEWORK, builds: false, says: "using the prebuilt Rust library", env: unset)
  check.call("forced", helpers: true, vendored: SOURCE_XCFRAMEWORK, builds: true, says: FROM_SOURCE_ENV, env: { FROM_SOURCE_ENV => "1" })
end

# The checkout itself: a prebuilt xcframework here would be linked instead of the sources (npm
# pack removes it after packing; one left over is from an interrupted pack).
if File.exist?(File.join(ROOT, PREBUILT_XCFRAMEWORK))
  problems << "the checkout has #{PREBUILT_XCFRAMEWORK} (left by an interrupted npm pack?): pod install would link it instead of building the sources; remove ios/prebuilt"
end

problems.each { |p| puts "podspec: #{p}" }
puts problems.empty? ? "podspec evaluates as an app's Podfile, bare, without any xcframework, with the prebuilt one and forced from source; iOS #{rn_min} only" : "#{problems.size} problem(s) in the podspec"
exit(problems.empty? ? 0 : 1)
