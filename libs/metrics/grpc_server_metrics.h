#ifndef TOCSIN_METRICS_GRPC_SERVER_METRICS_H_
#define TOCSIN_METRICS_GRPC_SERVER_METRICS_H_

#include "grpcpp/grpcpp.h"

namespace tocsin::metrics {

// Times every RPC a server handles and counts it by method and status code
// (tocsin_grpc_server_handled_total, tocsin_grpc_server_handling_seconds).
void AddServerMetrics(grpc::ServerBuilder& builder);

}  // namespace tocsin::metrics

#endif  // TOCSIN_METRICS_GRPC_SERVER_METRICS_H_
