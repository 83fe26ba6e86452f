#ifndef TOCSIN_COMMON_SHUTDOWN_H_
#define TOCSIN_COMMON_SHUTDOWN_H_

namespace tocsin {

// Blocks SIGTERM and SIGINT in the calling thread; call first thing in main so
// every thread started later inherits the mask and only
// WaitForTerminationSignal() sees them.
void BlockTerminationSignals();
// Waits for SIGTERM or SIGINT and returns its number.
int WaitForTerminationSignal();

}  // namespace tocsin

#endif  // TOCSIN_COMMON_SHUTDOWN_H_
