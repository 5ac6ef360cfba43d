# Evaluates react-native-otel-sessions.podspec with Ruby against a stand-in of the CocoaPods DSL
# (Pod::Spec, Pod::UI) that records what the podspec sets, in the three situations it meets:
#   app       inside an app's Podfile, with React Native's helpers (min_ios_version_supported,
#             install_modules_dependencies) defined and the Rust xcframework built;
#   bare      without the helpers (`pod spec lint`, `pod ipc spec`): the respond_to? guards must
#             fall back instead of raising NoMethodError;
#   no-rust   the xcframework missing: the podspec runs scripts/build-ios (stubbed here).
# Then checks what it recorded. CocoaPods itself needs macOS; this runs on any Ruby.
#
#   ruby scripts/native/check-podspec.rb [PODSPEC] [REACT_NATIVE_DIR]
# Prints one line per problem; exits 1 if there is any.
require "json"
require "tmpdir"
require "fileutils"

PODSPEC = File.expand_path(ARGV[0] || File.join(__dir__, "..", "..", "react-native-otel-sessions.podspec"))
RN_DIR = File.expand_path(ARGV[1] || File.join(__dir__, "..", "..", "node_modules", "react-native"))
ROOT = File.dirname(PODSPEC)
XCFRAMEWORK = "ios/build/OtelSessionsRust.xcframework"

# The stand-in DSL: attribute writers record their values; dependency/frameworks accumulate.
module Pod
  module UI
    def self.puts(*) end
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
# helpers: define React Native's two Podfile helpers; returns [spec, calls of system].
def evaluate(podspec, helpers:)
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
  Pod::Spec.last = nil
  sandbox.instance_eval(File.read(podspec), podspec, 1)
  [Pod::Spec.last, calls]
rescue NameError, NoMethodError => e
  [nil, calls.merge(error: "#{e.class}: #{e.message}")]
end

problems = []
package = JSON.parse(File.read(File.join(ROOT, "package.json")))
rn_min = File.read(File.join(RN_DIR, "scripts", "cocoapods", "helpers.rb"))[/def self\.min_ios_version_supported\s+return '([\d.]+)'/, 1]
build_ios_default = File.read(File.join(ROOT, "scripts", "build-ios"))[/IPHONEOS_DEPLOYMENT_TARGET:-([\d.]+)/, 1]

# The podspec's own folder, with the xcframework present or not: a copy, so nothing is built here.
Dir.mktmpdir("ots-podspec") do |dir|
  copy = File.join(dir, File.basename(PODSPEC))
  FileUtils.cp(PODSPEC, copy)
  FileUtils.cp(File.join(ROOT, "package.json"), dir)
  FileUtils.mkdir_p(File.join(dir, "scripts"))
  %w[ios rust].each { |d| FileUtils.cp_r(File.join(ROOT, d), dir) if File.directory?(File.join(ROOT, d)) }
  FileUtils.rm_rf(File.join(dir, XCFRAMEWORK))

  # no-rust
  spec, calls = evaluate(copy, helpers: true)
  problems << "no-rust: #{calls[:error]}" if calls[:error]
  build = calls[:system].find { |args| args.last.to_s.end_with?("scripts/build-ios") }
  problems << "no-rust: a missing xcframework did not run scripts/build-ios (calls: #{calls[:system].inspect})" unless build

  FileUtils.mkdir_p(File.join(dir, XCFRAMEWORK))
  { "app" => true, "bare" => false }.each do |label, helpers|
    spec, calls = evaluate(copy, helpers: helpers)
    if spec.nil?
      problems << "#{label}: the podspec did not evaluate: #{calls[:error] || 'no Pod::Spec'}"
      next
    end
    v = spec.values
    problems << "#{label}: ran #{calls[:system].inspect} with the xcframework present" unless calls[:system].empty?
    problems << "#{label}: name #{v[:name].inspect} is not package.json's #{package['name'].inspect}" unless v[:name] == package["name"]
    problems << "#{label}: version #{v[:version].inspect} is not package.json's #{package['version'].inspect}" unless v[:version] == package["version"]
    platforms = v[:platforms] || {}
    # iOS only (no :osx, no :visionos); Mac Catalyst has no slice in the xcframework (ios/README.md).
    problems << "#{label}: platforms #{platforms.inspect}: expected iOS only" unless platforms.keys == [:ios]
    problems << "#{label}: iOS #{platforms[:ios].inspect} is not React Native's minimum #{rn_min}" unless platforms[:ios] == rn_min
    problems << "#{label}: iOS #{platforms[:ios].inspect} differs from scripts/build-ios's IPHONEOS_DEPLOYMENT_TARGET #{build_ios_default}" unless platforms[:ios] == build_ios_default
    problems << "#{label}: vendored_frameworks #{v[:vendored_frameworks].inspect}, expected #{XCFRAMEWORK}" unless v[:vendored_frameworks] == XCFRAMEWORK
    sources = Array(v[:source_files]).flat_map { |g| Dir.glob(File.join(ROOT, g.gsub(/\{([^}]*)\}/) { "{#{$1}}" }), File::FNM_EXTGLOB) }.map { |f| f.delete_prefix("#{ROOT}/") }
    (Dir.glob(File.join(ROOT, "ios", "*.{h,mm}")) + Dir.glob(File.join(ROOT, "rust", "jsi", "cpp", "*.{h,cpp}")) + [File.join(ROOT, "rust/jsi/include/otel_sessions.h")]).each do |f|
      rel = f.delete_prefix("#{ROOT}/")
      problems << "#{label}: source_files miss #{rel}" unless sources.include?(rel)
    end
    paths = (v[:pod_target_xcconfig] || {})["HEADER_SEARCH_PATHS"].to_s
    problems << "#{label}: HEADER_SEARCH_PATHS lacks rust/jsi/include" unless paths.include?("rust/jsi/include")
    if helpers
      problems << "app: install_modules_dependencies was not called with the spec" unless calls[:install_modules_dependencies] == [spec]
    else
      names = spec.dependencies.map(&:first)
      problems << "bare: without install_modules_dependencies it must depend on React-Core (got #{names.inspect})" unless names.include?("React-Core")
    end
  end
end

problems.each { |p| puts "podspec: #{p}" }
puts problems.empty? ? "podspec evaluates as an app's Podfile, bare and without the xcframework; iOS #{rn_min} only" : "#{problems.size} problem(s) in the podspec"
exit(problems.empty? ? 0 : 1)
