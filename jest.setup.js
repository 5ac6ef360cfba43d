// react-test-renderer warns on every render that it is deprecated; that one message is noise here.
const original = console.error;
console.error = (...args) => {
  if (typeof args[0] === 'string' && args[0].includes('react-test-renderer is deprecated')) return;
  original(...args);
};
