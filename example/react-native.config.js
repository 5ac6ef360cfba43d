// The example app's CLI config: nothing about react-native-otel-sessions is configured here;
// autolinking must find it from the library's own react-native.config.js.
module.exports = {};
