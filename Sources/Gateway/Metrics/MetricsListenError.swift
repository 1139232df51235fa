/// The metrics server of `dicom-gw worker` could not listen on its address: the port is
/// taken (another worker instance on the host with the same `workers.metrics_listen`), the
/// address is not one of this host's, or the host name does not resolve.
public struct MetricsListenError: Error, CustomStringConvertible {
    /// `HOST:PORT` as configured.
    public var address: String
    /// What the socket layer reported.
    public var underlying: any Error

    /// An error for `address`.
    public init(address: String, underlying: any Error) {
        self.address = address
        self.underlying = underlying
    }

    public var description: String {
        "cannot listen for metrics on \(address) (workers.metrics_listen or --metrics-listen): \(underlying)"
    }
}
