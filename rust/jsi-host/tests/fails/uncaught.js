// Expected to fail: the host must exit non-zero and print the stack.
function deep() {
  throw new Error('boom from a test');
}
setTimeout(() => deep(), 1);
