/// The product's version, the one `dicom-gw --version` prints and the RPM spec carries
/// (a test keeps the two equal).
public enum GatewayVersion {
    /// Semantic version of this build.
    public static let string = "0.1.0"
}
