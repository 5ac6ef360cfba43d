// A small stand-in of the Gradle and Android Gradle plugin DSL, enough to EVALUATE
// android/build.gradle with plain Groovy and record what it sets (scripts/native/android-gradle.sh).
// It is not Gradle: blocks and calls it does not model are recorded, not validated; what the
// library's script reads (project properties, rootProject.ext, the AGP version, the NDK folder)
// comes from the scenario the check passes in.

/** One DSL block (android, defaultConfig, cmake, a task, ...): records calls, assignments and nested blocks. */
class Block {
  final String path
  final StandInProject project
  final Map<String, Object> values = [:]
  final Map<String, List<List>> calls = [:]
  final Map<String, Block> blocks = [:]

  Block(String path, StandInProject project) {
    this.path = path
    this.project = project
  }

  /** The project this block belongs to (itself for the project). */
  StandInProject root() { project }

  Block block(String name) {
    blocks.computeIfAbsent(name) { new Block(path ? "$path.$name" : name, root()) }
  }

  /** Runs a configuration closure against [target] as Gradle does (delegate first). */
  static Object configure(Closure closure, Object target) {
    Closure c = (Closure) closure.clone()
    c.delegate = target
    c.resolveStrategy = Closure.DELEGATE_FIRST
    c.maximumNumberOfParameters == 0 ? c.call() : c.call(target)
  }

  def methodMissing(String name, Object argsObject) {
    List args = (argsObject as Object[]).toList()
    // What Gradle resolves past the block: the script's own methods, then the project's.
    StandInProject p = root()
    Object[] argArray = args as Object[]
    def scriptMethod = p.script?.getClass()?.declaredMethods?.find { it.name == name && it.parameterCount == args.size() }
    if (scriptMethod != null) return scriptMethod.invoke(p.script, argArray)
    if (!this.is(p) && p.metaClass.respondsTo(p, name)) return p.metaClass.invokeMethod(p, name, argArray)
    if (args && args.last() instanceof Closure) {
      Block child = block(name)
      configure((Closure) args.last(), child)
      return child
    }
    calls.computeIfAbsent(name) { [] } << args
    if (args.size() == 1) values[name] = args[0]
    return null
  }

  def propertyMissing(String name) {
    if (values.containsKey(name)) return values[name]
    StandInProject p = root()
    if (!this.is(p) && p.hasProperty(name)) return p."$name"
    return block(name)
  }

  def propertyMissing(String name, Object value) {
    values[name] = value
  }

  /** `excludes += [...]` on a property never set before. */
  def plus(Object other) { other }

  /** The last value given to [name] (a call with one argument, or an assignment). */
  Object value(String name) { values[name] }

  /** Every argument list [name] was called with. */
  List<List> callsOf(String name) { calls[name] ?: [] }
}

/** `tasks.register(...)`'s task: records its configuration; its doFirst actions run when the check "executes" it. */
class StandInTask extends Block {
  final String name
  final Class type
  final List<Closure> doFirstActions = []
  final List dependencies = []
  final Map<String, String> environment = [:]
  final Map<String, Object> inputProperties = [:]
  final List<File> inputFiles = []
  final List<File> outputFiles = []
  List commandLine = []
  Object workingDir

  StandInTask(String name, Class type, StandInProject project) {
    super(name, project)
    this.name = name
    this.type = type
  }

  void doFirst(Closure action) { doFirstActions << action }
  void dependsOn(Object... tasks) { dependencies.addAll(tasks) }
  void environment(String key, Object value) { environment[key] = value.toString() }
  void commandLine(Object... args) { commandLine = args.toList().collect { it.toString() } }
  void workingDir(Object dir) { workingDir = dir }

  Expando getInputs() {
    new Expando(files: { Object... files -> files.each { inputFiles.addAll(flatten(it)) } },
        property: { String key, Object value -> inputProperties[key] = value })
  }

  Expando getOutputs() {
    new Expando(files: { Object... files -> files.each { outputFiles.addAll(flatten(it)) } },
        file: { Object file -> outputFiles.addAll(flatten(file)) })
  }

  private static List<File> flatten(Object item) {
    if (item instanceof File) return [item]
    if (item instanceof Collection) return item.collectMany { flatten(it) }
    if (item instanceof StandInFileTree) return [item.dir]
    throw new IllegalArgumentException("task inputs/outputs: cannot take ${item?.getClass()}: $item")
  }

  /** What Gradle does when the task runs, before the command: the doFirst actions. */
  void execute() { doFirstActions.each { Block.configure(it, this) } }
}

/** `fileTree(dir: ..., includes: [...])`. */
class StandInFileTree {
  File dir
  List<String> includes
}

/** `tasks`: register and configureEach. */
class StandInTasks {
  final StandInProject project
  final Map<String, StandInTask> registered = [:]
  final List<Closure> configureEachActions = []

  StandInTasks(StandInProject project) { this.project = project }

  StandInTask register(String name, Class type, Closure configuration) {
    StandInTask task = new StandInTask(name, type, project)
    Block.configure(configuration, task)
    registered[name] = task
    task
  }

  void configureEach(Closure action) { configureEachActions << action }

  /** Gradle creating [name] later (an AGP task): runs the configureEach actions on it. */
  StandInTask create(String name) {
    StandInTask task = new StandInTask(name, Object, project)
    configureEachActions.each { Block.configure(it, task) }
    task
  }
}

/** `logger`: records what the script logs, by level. */
class StandInLogger {
  final Map<String, List<String>> messages = [lifecycle: [], info: [], warn: [], error: [], quiet: [], debug: []]

  def methodMissing(String level, Object argsObject) {
    List args = (argsObject as Object[]).toList()
    if (!messages.containsKey(level) || args.isEmpty()) throw new MissingMethodException(level, StandInLogger, argsObject as Object[])
    messages[level] << args[0].toString()
    null
  }
}

/** The `project` a build script runs against, with what the scenario decides. */
class StandInProject extends Block {
  final File projectDir
  final Map<String, Object> properties
  final Map<String, Object> rootExt
  final File ndkDir
  final List<String> plugins = []
  final StandInTasks tasks
  final StandInLogger logger = new StandInLogger()
  Script script

  StandInProject(File projectDir, Map<String, Object> properties, Map<String, Object> rootExt, File ndkDir) {
    super("", null)
    this.projectDir = projectDir
    this.properties = properties
    this.rootExt = rootExt
    this.ndkDir = ndkDir
    this.tasks = new StandInTasks(this)
  }

  StandInProject getProject() { this }

  @Override
  StandInProject root() { this }

  Expando getRootProject() {
    new Expando(ext: new Expando(has: { String key -> rootExt.containsKey(key) }, get: { String key -> rootExt[key] }))
  }

  Object findProperty(String name) { properties[name] }
  boolean hasProperty(String name) { properties.containsKey(name) || metaClass.hasProperty(this, name) }
  Object property(String name) {
    if (!properties.containsKey(name)) throw new MissingPropertyException(name, StandInProject)
    properties[name]
  }

  File file(Object path) {
    File f = path instanceof File ? (File) path : new File(path.toString())
    (f.absolute ? f : new File(projectDir, f.path)).canonicalFile
  }

  StandInFileTree fileTree(Map args) { new StandInFileTree(dir: file(args.dir), includes: args.includes ?: []) }

  void apply(Map args) { plugins << args.plugin.toString() }

  StandInTasks getTasks() { tasks }

  StandInLogger getLogger() { logger }

  /** `layout.buildDirectory.dir(name).get().asFile`. */
  Expando getLayout() {
    new Expando(buildDirectory: new Expando(dir: { String name ->
      new Expando(get: { -> new Expando(asFile: new File(projectDir, "build/$name")) })
    }))
  }

  /** `androidComponents.sdkComponents.ndkDirectory.get().asFile`: the NDK this build resolved. */
  Expando getAndroidComponents() {
    new Expando(sdkComponents: new Expando(ndkDirectory: new Expando(get: { -> new Expando(asFile: ndkDir) })))
  }

}
