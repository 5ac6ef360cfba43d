// For scripts/check-web-bundle.js: the web build must not reach 'react-native' at all.
throw new Error('the web bundle imported react-native');
