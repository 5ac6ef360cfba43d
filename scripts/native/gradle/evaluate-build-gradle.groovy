// Evaluates android/build.gradle with Groovy against the stand-in DSL (StandInDsl.groovy) in a few
// app setups, and checks what the script sets. Run by scripts/native/android-gradle.sh:
//
//   groovy evaluate-build-gradle.groovy ANDROID_DIR
//
// Prints "ok"/"FAIL" per scenario and exits 1 on any failure. A scenario that cannot even be
// evaluated (a Groovy error such as the old `minSdk minSdk`) fails with the script's exception.
import org.codehaus.groovy.control.CompilerConfiguration
import org.codehaus.groovy.control.customizers.ImportCustomizer

File androidDir = new File(args[0]).canonicalFile
File buildGradle = new File(androidDir, "build.gradle")
File here = new File(getClass().protectionDomain.codeSource.location.path).parentFile

GroovyClassLoader loader = new GroovyClassLoader(getClass().classLoader)
// The few Gradle and AGP classes the script names (Gradle imports org.gradle.api.* and
// org.gradle.api.tasks.* into every build script).
loader.parseClass('package org.gradle.api; class GradleException extends RuntimeException { GradleException(String m) { super(m) } }')
loader.parseClass('package org.gradle.api; enum JavaVersion { VERSION_1_8, VERSION_11, VERSION_17, VERSION_21 }')
loader.parseClass('package org.gradle.api.tasks; class Exec {}')
Class agpVersion = loader.parseClass('package com.android; class Version { static String ANDROID_GRADLE_PLUGIN_VERSION = "" }')
loader.parseClass(new File(here, "StandInDsl.groovy"))
Class projectClass = loader.loadClass("StandInProject")

File ndk = new File("/stand-in/sdk/ndk/27.1.12297006")
def evaluate = { Map scenario, String text ->
  agpVersion.ANDROID_GRADLE_PLUGIN_VERSION = scenario.agp
  def project = projectClass.newInstance(androidDir, scenario.props ?: [:], scenario.ext ?: [:], ndk)
  def config = new CompilerConfiguration()
  config.scriptBaseClass = DelegatingScript.name
  config.addCompilationCustomizers(new ImportCustomizer().addStarImports("org.gradle.api", "org.gradle.api.tasks"))
  DelegatingScript script = (DelegatingScript) new GroovyShell(loader, new Binding(), config).parse(text, "build.gradle")
  script.setDelegate(project)
  project.script = script
  script.run()
  project
}

int failures = 0
def scenario = { String name, Map setup, Closure checks ->
  List<String> problems = []
  def expect = { boolean ok, String what -> if (!ok) problems << what }
  try {
    checks(evaluate(setup, buildGradle.text), expect)
  } catch (Throwable e) {
    problems << "evaluating build.gradle threw ${e.class.name}: ${e.message?.readLines()?.first()}"
  }
  if (problems) {
    failures++
    println "FAIL $name"
    problems.each { println "     - $it" }
  } else {
    println "ok   $name"
  }
}

String repoRoot = androidDir.parentFile.canonicalPath
String rnDir = new File(repoRoot, "node_modules/react-native").canonicalPath
String rustDir = new File(androidDir, "build/rust").path
List<String> allAbis = ["armeabi-v7a", "arm64-v8a", "x86", "x86_64"]
String cargoBin = new File(System.getProperty("user.home"), ".cargo/bin").absolutePath

// What every setup must get right; `abis` is what the Rust task builds, `minSdk` the app's.
def common = { project, expect, List<String> abis, int minSdk ->
  def android = project.block("android")
  expect(android.value("namespace") == "com.otelsessions", "android.namespace: ${android.value('namespace')}")
  expect(android.block("defaultConfig").value("minSdk") == minSdk, "defaultConfig.minSdk: ${android.block('defaultConfig').value('minSdk')}, expected $minSdk")
  def cmake = android.block("defaultConfig").block("externalNativeBuild").block("cmake")
  List args = cmake.callsOf("arguments").flatten()*.toString()
  expect(args.contains("-DANDROID_STL=c++_shared"), "cmake arguments lack -DANDROID_STL=c++_shared: $args")
  expect(args.contains("-DREACT_NATIVE_DIR=$rnDir".toString()), "cmake arguments lack -DREACT_NATIVE_DIR=$rnDir: $args")
  expect(args.contains("-DOTEL_SESSIONS_RUST_TARGET_DIR=$rustDir".toString()), "cmake arguments lack the Rust target dir $rustDir: $args")
  expect(android.block("externalNativeBuild").block("cmake").value("path") == "CMakeLists.txt", "externalNativeBuild.cmake.path")
  List deps = project.block("dependencies").callsOf("implementation").flatten()*.toString()
  expect(deps == ["com.facebook.react:react-android"], "dependencies: only react-android (no androidx): $deps")
  expect(!project.plugins.isEmpty() && project.plugins[0] == "com.android.library" && project.plugins.contains("com.facebook.react"),
      "plugins: ${project.plugins}")

  def rust = project.tasks.registered["buildOtelSessionsRust"]
  expect(rust != null, "no buildOtelSessionsRust task")
  if (rust == null) return
  expect(rust.type.simpleName == "Exec", "buildOtelSessionsRust is an Exec task")
  List expected = ["bash", "scripts/build-android", "--abis", abis.join(","), "--platform", minSdk.toString(), "--target-dir", rustDir]
  expect(rust.commandLine == expected, "rust command line ${rust.commandLine}, expected $expected")
  expect(new File(rust.workingDir.toString()).canonicalPath == repoRoot, "rust workingDir ${rust.workingDir}")
  List<String> outs = rust.outputFiles*.path
  List<String> wantOuts = abis.collect { abi ->
    def triple = ["arm64-v8a": "aarch64-linux-android", "armeabi-v7a": "armv7-linux-androideabi", "x86_64": "x86_64-linux-android", "x86": "i686-linux-android"][abi]
    "$rustDir/$triple/release/libotel_sessions_jsi.a".toString()
  }
  expect(outs == wantOuts, "rust outputs $outs, expected $wantOuts")
  List<String> ins = rust.inputFiles*.path
  ["Cargo.lock", "Cargo.toml", "scripts/build-android", "rust"].each { f ->
    expect(ins.contains(new File(repoRoot, f).path), "rust inputs lack $f: $ins")
  }
  expect(rust.inputProperties.abis == abis, "rust input property abis: ${rust.inputProperties.abis}")
  rust.execute()
  expect(rust.environment.ANDROID_NDK_HOME == ndk.path, "ANDROID_NDK_HOME at execution: ${rust.environment.ANDROID_NDK_HOME}")
  expect(rust.environment.PATH?.startsWith(cargoBin + File.pathSeparator) == true, "PATH at execution starts with ~/.cargo/bin: ${rust.environment.PATH}")
  ["configureCMakeDebug[arm64-v8a]", "buildCMakeRelWithDebInfo[x86_64]"].each { name ->
    expect(project.tasks.create(name).dependencies.any { it.is(rust) }, "$name does not depend on buildOtelSessionsRust")
  }
  expect(project.tasks.create("compileDebugKotlin").dependencies.isEmpty(), "compileDebugKotlin should not wait for Rust")
}

scenario("defaults (AGP 8, no app settings): minSdk 24, all four ABIs, Kotlin plugin applied", [agp: "8.7.3"]) { p, expect ->
  common(p, expect, allAbis, 24)
  expect(p.block("android").value("compileSdk") == 35, "compileSdk default 35: ${p.block("android").value('compileSdk')}")
  expect(p.block("android").value("ndkVersion") == "27.1.12297006", "ndkVersion default: ${p.block("android").value('ndkVersion')}")
  expect(p.plugins.contains("org.jetbrains.kotlin.android"), "AGP 8 needs the Kotlin plugin: ${p.plugins}")
  def abiFilters = p.block("android").block("defaultConfig").block("externalNativeBuild").block("cmake").callsOf("abiFilters").flatten()
  expect(abiFilters == allAbis, "abiFilters: $abiFilters")
}

scenario("the app's settings (AGP 9, built-in Kotlin): rootProject.ext and reactNativeArchitectures",
    [agp: "9.0.0", ext: [minSdkVersion: 26, compileSdkVersion: 36, ndkVersion: "28.0.13004108"],
     props: [reactNativeArchitectures: "arm64-v8a, x86_64"]]) { p, expect ->
  common(p, expect, ["arm64-v8a", "x86_64"], 26)
  expect(p.block("android").value("compileSdk") == 36, "compileSdk from ext: ${p.block("android").value('compileSdk')}")
  expect(p.block("android").value("ndkVersion") == "28.0.13004108", "ndkVersion from ext")
  expect(!p.plugins.contains("org.jetbrains.kotlin.android"), "AGP 9 builds Kotlin itself: ${p.plugins}")
}

scenario("React Native's template on AGP 9 (android.builtInKotlin=false): the Kotlin plugin",
    [agp: "9.1.0", props: ["android.builtInKotlin": "false"]]) { p, expect ->
  common(p, expect, allAbis, 24)
  expect(p.plugins.contains("org.jetbrains.kotlin.android"), "builtInKotlin=false needs the Kotlin plugin: ${p.plugins}")
}

scenario("Android Studio deploying to an x86_64 emulator (android.injected.build.abi): one Rust ABI",
    [agp: "8.7.3", props: ["android.injected.build.abi": "x86_64,x86"]]) { p, expect ->
  common(p, expect, ["x86_64"], 24)
}

scenario("an injected ABI the app does not build: every ABI",
    [agp: "8.7.3", props: ["android.injected.build.abi": "mips", reactNativeArchitectures: "arm64-v8a"]]) { p, expect ->
  common(p, expect, ["arm64-v8a"], 24)
}

// Self-test: the check must catch the old defect (a script variable named like the DSL call).
String broken = buildGradle.text.replace("libMinSdk", "minSdk")
if (broken == buildGradle.text) {
  failures++
  println "FAIL self-test: build.gradle no longer has libMinSdk to rename back"
} else {
  try {
    evaluate([agp: "8.7.3"], broken)
    failures++
    println "FAIL self-test: a build.gradle with `def minSdk` and `minSdk minSdk` evaluated without error"
  } catch (MissingMethodException e) {
    println "ok   self-test: `def minSdk` + `minSdk minSdk` fails to evaluate (${e.message.readLines().first()})"
  }
}

println(failures ? "$failures build.gradle check(s) failed" : "build.gradle evaluates in every setup")
System.exit(failures ? 1 : 0)
