// Evaluates android/build.gradle with Groovy against the stand-in DSL (StandInDsl.groovy) in a few
// app setups, and checks what the script sets. Run by scripts/native/android-gradle.sh:
//
//   groovy evaluate-build-gradle.groovy ANDROID_DIR
//       a checkout: the Rust library built from source (no android/prebuilt), then copies of the
//       library with prebuilt libraries (all ABIs, the app's ABIs, one missing, forced from source)
//   groovy evaluate-build-gradle.groovy --installed ANDROID_DIR INPUTS_JSON
//       an installed package (an app's node_modules): the prebuilt libraries, never a Rust build;
//       writes what the native build would get to INPUTS_JSON:
//       {"cmakeArguments": [...], "abiFilters": [...], "rustTasks": [...], "lifecycle": [...]}
//
// Prints "ok"/"FAIL" per scenario and exits 1 on any failure. A scenario that cannot even be
// evaluated (a Groovy error such as the old `minSdk minSdk`) fails with the script's exception.
import java.nio.file.Files
import org.codehaus.groovy.control.CompilerConfiguration
import org.codehaus.groovy.control.customizers.ImportCustomizer

boolean installed = args[0] == "--installed"
File androidDir = new File(installed ? args[1] : args[0]).canonicalFile
File inputsJson = installed ? new File(args[2]) : null
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
// Evaluates build.gradle as found in `dir` (default: the library's android/ folder).
def evaluate = { Map scenario, String text, File dir = androidDir ->
  agpVersion.ANDROID_GRADLE_PLUGIN_VERSION = scenario.agp
  def project = projectClass.newInstance(dir, scenario.props ?: [:], scenario.ext ?: [:], ndk)
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
def report = { String name, List<String> problems ->
  if (problems) {
    failures++
    println "FAIL $name"
    problems.each { println "     - $it" }
  } else {
    println "ok   $name"
  }
}
// A scenario: build.gradle evaluated in `setup` (in `setup.dir` when given), then `checks`.
def scenario = { String name, Map setup, Closure checks ->
  List<String> problems = []
  def expect = { boolean ok, String what -> if (!ok) problems << what }
  try {
    File dir = setup.dir ?: androidDir
    checks(evaluate(setup, new File(dir, "build.gradle").text, dir), expect)
  } catch (Throwable e) {
    problems << "evaluating build.gradle threw ${e.class.name}: ${e.message?.readLines()?.first()}"
  }
  report(name, problems)
}

List<String> allAbis = ["armeabi-v7a", "arm64-v8a", "x86", "x86_64"]
Map<String, String> triples = ["arm64-v8a": "aarch64-linux-android", "armeabi-v7a": "armv7-linux-androideabi",
                               "x86_64": "x86_64-linux-android", "x86": "i686-linux-android"]
String cargoBin = new File(System.getProperty("user.home"), ".cargo/bin").absolutePath
String libName = "libotel_sessions_jsi.a"

// Where a library folder sits: its package root, and the react-native the script must find.
def placeOf = { File dirGiven, File rnDir ->
  File dir = dirGiven.canonicalFile
  [dir: dir, root: dir.parentFile.canonicalPath, rnDir: rnDir.path, rustDir: new File(dir, "build/rust").path,
   prebuiltDir: new File(dir, "prebuilt").path]
}

// What every setup must get right; `minSdk` is the app's.
def common = { project, expect, Map place, int minSdk ->
  def android = project.block("android")
  expect(android.value("namespace") == "com.otelsessions", "android.namespace: ${android.value('namespace')}")
  expect(android.block("defaultConfig").value("minSdk") == minSdk, "defaultConfig.minSdk: ${android.block('defaultConfig').value('minSdk')}, expected $minSdk")
  List args = android.block("defaultConfig").block("externalNativeBuild").block("cmake").callsOf("arguments").flatten()*.toString()
  expect(args.contains("-DANDROID_STL=c++_shared"), "cmake arguments lack -DANDROID_STL=c++_shared: $args")
  expect(args.contains("-DREACT_NATIVE_DIR=${place.rnDir}".toString()), "cmake arguments lack -DREACT_NATIVE_DIR=${place.rnDir}: $args")
  expect(android.block("externalNativeBuild").block("cmake").value("path") == "CMakeLists.txt", "externalNativeBuild.cmake.path")
  List deps = project.block("dependencies").callsOf("implementation").flatten()*.toString()
  expect(deps == ["com.facebook.react:react-android"], "dependencies: only react-android (no androidx): $deps")
  expect(!project.plugins.isEmpty() && project.plugins[0] == "com.android.library" && project.plugins.contains("com.facebook.react"),
      "plugins: ${project.plugins}")
}

def cmakeArgs = { project ->
  project.block("android").block("defaultConfig").block("externalNativeBuild").block("cmake").callsOf("arguments").flatten()*.toString()
}

// The Rust library built from source: `abis` is what the Rust task builds.
def fromSource = { project, expect, Map place, List<String> abis, int minSdk ->
  common(project, expect, place, minSdk)
  List args = cmakeArgs(project)
  expect(args.contains("-DOTEL_SESSIONS_RUST_TARGET_DIR=${place.rustDir}".toString()), "cmake arguments lack the Rust target dir ${place.rustDir}: $args")
  expect(!args.any { it.startsWith("-DOTEL_SESSIONS_RUST_PREBUILT_DIR") }, "cmake arguments name a prebuilt dir: $args")
  List<String> said = project.logger.messages.lifecycle.findAll { it.contains("Rust library") }
  expect(said.size() == 1 && said[0].contains("building the Rust library from source for ${abis.join(', ')}"),
      "lifecycle log: expected one line saying the Rust library is built from source for ${abis.join(', ')}, got $said")

  def rust = project.tasks.registered["buildOtelSessionsRust"]
  expect(rust != null, "no buildOtelSessionsRust task")
  if (rust == null) return
  expect(rust.type.simpleName == "Exec", "buildOtelSessionsRust is an Exec task")
  List expected = ["bash", "scripts/build-android", "--abis", abis.join(","), "--platform", minSdk.toString(), "--target-dir", place.rustDir]
  expect(rust.commandLine == expected, "rust command line ${rust.commandLine}, expected $expected")
  expect(new File(rust.workingDir.toString()).canonicalPath == place.root, "rust workingDir ${rust.workingDir}")
  List<String> outs = rust.outputFiles*.path
  List<String> wantOuts = abis.collect { abi -> "${place.rustDir}/${triples[abi]}/release/$libName".toString() }
  expect(outs == wantOuts, "rust outputs $outs, expected $wantOuts")
  List<String> ins = rust.inputFiles*.path
  ["Cargo.lock", "Cargo.toml", "scripts/build-android", "rust"].each { f ->
    expect(ins.contains(new File(place.root, f).path), "rust inputs lack $f: $ins")
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

// The prebuilt libraries: nothing of Rust runs; CMake gets the prebuilt folder.
def prebuilt = { project, expect, Map place, List<String> abis, int minSdk ->
  common(project, expect, place, minSdk)
  List args = cmakeArgs(project)
  expect(args.contains("-DOTEL_SESSIONS_RUST_PREBUILT_DIR=${place.prebuiltDir}".toString()), "cmake arguments lack the prebuilt dir ${place.prebuiltDir}: $args")
  expect(!args.any { it.startsWith("-DOTEL_SESSIONS_RUST_TARGET_DIR") }, "cmake arguments name a cargo target dir: $args")
  expect(project.tasks.registered.isEmpty(), "tasks registered with prebuilt libraries (a Rust build?): ${project.tasks.registered.keySet()}")
  ["configureCMakeDebug[arm64-v8a]", "buildCMakeRelWithDebInfo[x86_64]"].each { name ->
    expect(project.tasks.create(name).dependencies.isEmpty(), "$name depends on ${project.tasks.create(name).dependencies}")
  }
  List<String> said = project.logger.messages.lifecycle.findAll { it.contains("Rust library") }
  expect(said.size() == 1 && said[0].contains("using the prebuilt Rust library for ${abis.join(', ')}") && said[0].contains(place.prebuiltDir),
      "lifecycle log: expected one line saying the prebuilt Rust library for ${abis.join(', ')} in ${place.prebuiltDir} is used, got $said")
}

if (installed) {
  // An app's node_modules: the react-native the script finds walking up from the package.
  File rn = null
  for (File d = androidDir.parentFile; d != null && rn == null; d = d.parentFile) {
    File c = new File(d, "node_modules/react-native/package.json")
    if (c.exists()) rn = c.parentFile
  }
  if (rn == null) throw new IllegalStateException("no node_modules/react-native above $androidDir")
  Map place = placeOf(androidDir, rn)
  scenario("installed package, the app's defaults: the prebuilt libraries for all four ABIs, no Rust task", [agp: "8.7.3"]) { p, expect ->
    prebuilt(p, expect, place, allAbis, 24)
    // JSON by hand: lists of strings only (groovy-json is not on this classpath).
    def str = { Object s -> '"' + s.toString().replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n') + '"' }
    def list = { List l -> '[' + l.collect { str(it) }.join(', ') + ']' }
    Map<String, List> inputs = [cmakeArguments: cmakeArgs(p),
        abiFilters: p.block("android").block("defaultConfig").block("externalNativeBuild").block("cmake").callsOf("abiFilters").flatten(),
        rustTasks: p.tasks.registered.keySet().toList(), lifecycle: p.logger.messages.lifecycle]
    inputsJson.text = '{\n' + inputs.collect { k, v -> "  ${str(k)}: ${list(v)}" }.join(',\n') + '\n}\n'
  }
  scenario("installed package, Android Studio deploying to an arm64 device (injected ABI, AGP 9): still prebuilt",
      [agp: "9.0.0", props: ["android.injected.build.abi": "arm64-v8a", reactNativeArchitectures: "arm64-v8a,x86_64"]]) { p, expect ->
    prebuilt(p, expect, place, ["arm64-v8a", "x86_64"], 24)
  }
  println(failures ? "$failures installed build.gradle check(s) failed" : "the installed build.gradle uses the prebuilt libraries and never builds Rust")
  System.exit(failures ? 1 : 0)
}

// ---- A checkout ---------------------------------------------------------------------------
File checkoutPrebuilt = new File(androidDir, "prebuilt")
if (checkoutPrebuilt.exists()) {
  failures++
  println "FAIL the checkout has $checkoutPrebuilt (left by an interrupted npm pack?): Gradle would link it instead of building the sources; remove android/prebuilt"
}
Map repo = placeOf(androidDir, new File(androidDir.parentFile, "node_modules/react-native").canonicalFile)

scenario("defaults (AGP 8, no app settings): minSdk 24, all four ABIs, Kotlin plugin applied", [agp: "8.7.3"]) { p, expect ->
  fromSource(p, expect, repo, allAbis, 24)
  expect(p.block("android").value("compileSdk") == 35, "compileSdk default 35: ${p.block("android").value('compileSdk')}")
  expect(p.block("android").value("ndkVersion") == "27.1.12297006", "ndkVersion default: ${p.block("android").value('ndkVersion')}")
  expect(p.plugins.contains("org.jetbrains.kotlin.android"), "AGP 8 needs the Kotlin plugin: ${p.plugins}")
  def abiFilters = p.block("android").block("defaultConfig").block("externalNativeBuild").block("cmake").callsOf("abiFilters").flatten()
  expect(abiFilters == allAbis, "abiFilters: $abiFilters")
}

scenario("the app's settings (AGP 9, built-in Kotlin): rootProject.ext and reactNativeArchitectures",
    [agp: "9.0.0", ext: [minSdkVersion: 26, compileSdkVersion: 36, ndkVersion: "28.0.13004108"],
     props: [reactNativeArchitectures: "arm64-v8a, x86_64"]]) { p, expect ->
  fromSource(p, expect, repo, ["arm64-v8a", "x86_64"], 26)
  expect(p.block("android").value("compileSdk") == 36, "compileSdk from ext: ${p.block("android").value('compileSdk')}")
  expect(p.block("android").value("ndkVersion") == "28.0.13004108", "ndkVersion from ext")
  expect(!p.plugins.contains("org.jetbrains.kotlin.android"), "AGP 9 builds Kotlin itself: ${p.plugins}")
}

scenario("React Native's template on AGP 9 (android.builtInKotlin=false): the Kotlin plugin",
    [agp: "9.1.0", props: ["android.builtInKotlin": "false"]]) { p, expect ->
  fromSource(p, expect, repo, allAbis, 24)
  expect(p.plugins.contains("org.jetbrains.kotlin.android"), "builtInKotlin=false needs the Kotlin plugin: ${p.plugins}")
}

scenario("Android Studio deploying to an x86_64 emulator (android.injected.build.abi): one Rust ABI",
    [agp: "8.7.3", props: ["android.injected.build.abi": "x86_64,x86"]]) { p, expect ->
  fromSource(p, expect, repo, ["x86_64"], 24)
}

scenario("an injected ABI the app does not build: every ABI",
    [agp: "8.7.3", props: ["android.injected.build.abi": "mips", reactNativeArchitectures: "arm64-v8a"]]) { p, expect ->
  fromSource(p, expect, repo, ["arm64-v8a"], 24)
}

// Copies of the library with prebuilt libraries (empty files: only their presence matters to
// Gradle), in a package of their own with a react-native beside it.
File scratch = Files.createTempDirectory("ots-gradle").toFile()
def packageCopy = { List<String> prebuiltAbis ->
  File pkg = new File(scratch, "pkg-${prebuiltAbis.join('-') ?: 'none'}")
  File dir = new File(pkg, "android")
  dir.mkdirs()
  new File(dir, "build.gradle").text = new File(androidDir, "build.gradle").text
  prebuiltAbis.each { abi -> new File(dir, "prebuilt/$abi").mkdirs(); new File(dir, "prebuilt/$abi/$libName").text = "" }
  File rn = new File(pkg, "node_modules/react-native")
  rn.mkdirs()
  new File(rn, "package.json").text = '{"name": "react-native"}'
  placeOf(dir, rn)
}
try {
  Map full = packageCopy(allAbis)
  scenario("prebuilt libraries in the package: all four ABIs linked from android/prebuilt, no Rust task",
      [agp: "8.7.3", dir: full.dir]) { p, expect ->
    prebuilt(p, expect, full, allAbis, 24)
  }
  scenario("prebuilt libraries, the app builds arm64-v8a only", [agp: "9.0.0", dir: full.dir,
      props: [reactNativeArchitectures: "arm64-v8a"]]) { p, expect ->
    prebuilt(p, expect, full, ["arm64-v8a"], 24)
  }
  scenario("prebuilt libraries, but -PotelSessions.buildFromSource=true: built from source", [agp: "8.7.3", dir: full.dir,
      props: ["otelSessions.buildFromSource": "true"]]) { p, expect ->
    fromSource(p, expect, full, allAbis, 24)
  }
  Map partial = packageCopy(["arm64-v8a", "armeabi-v7a", "x86_64"])
  List<String> problems = []
  try {
    evaluate([agp: "8.7.3"], new File(partial.dir, "build.gradle").text, partial.dir)
    problems << "a package without the x86 library evaluated without error"
  } catch (Throwable e) {
    String m = e.message ?: ""
    if (e.class.name != "org.gradle.api.GradleException" || !m.contains("missing for x86 ") || !m.contains("otelSessions.buildFromSource=true")) {
      problems << "expected a GradleException naming x86 and otelSessions.buildFromSource=true, got ${e.class.name}: $m"
    }
  }
  report("prebuilt libraries lacking an ABI the app builds: a clear error naming it and the way out", problems)
} finally {
  scratch.deleteDir()
}

// Self-test: the check must catch the old defect (a script variable named like the DSL call).
String text = new File(androidDir, "build.gradle").text
String broken = text.replace("libMinSdk", "minSdk")
if (broken == text) {
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
