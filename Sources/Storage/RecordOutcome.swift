/// What ``InstanceStore/record(_:policy:on:)`` did with an instance's rows.
public struct RecordOutcome: Sendable, Hashable {
    /// The kinds of outcome, as `dicom_gw.record_outcome`.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        public let description: String
        private init(_ name: String) { description = name }

        /// A new instance: place the file.
        public static let stored = Kind("stored")
        /// Policy `replace`: place the file over the old one (and remove the old one if it
        /// lived elsewhere, see ``RecordOutcome/previousPath``).
        public static let replaced = Kind("replaced")
        /// The same content is already stored: discard the new file.
        public static let identical = Kind("identical")
        /// Policy `keep-first`: discard the new file, the stored one stays.
        public static let kept = Kind("kept")
        /// Policy `reject`: discard the new file and answer a failure.
        public static let rejected = Kind("rejected")

        static let all: [Kind] = [.stored, .replaced, .identical, .kept, .rejected]

        init?(name: String) {
            guard let kind = Self.all.first(where: { $0.description == name }) else { return nil }
            self = kind
        }
    }

    public var kind: Kind
    /// The instance's row id.
    public var instanceID: Int64
    /// For `replaced`, the old file's path when it differs from the new one (it was
    /// archived); for duplicates, the stored file's path.
    public var previousPath: String?

    /// Whether the received file goes into the tree.
    public var placesFile: Bool { kind == .stored || kind == .replaced }
}
