// The Linux JSI host's platform HTTP transport (libcurl); see CurlTransport.cpp.
#pragma once

namespace otshost {

// Registers libcurl as the library's HTTP transport (ots_set_transport). Call once, before
// JavaScript can call Sessions.init, as the Android and iOS modules do with theirs.
void installCurlTransport();

} // namespace otshost
