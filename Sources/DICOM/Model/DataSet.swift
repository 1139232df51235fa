/// A data set (or sequence item) held in memory: elements in tag order.
public struct DataSet: Sendable, Hashable {
    /// The elements, in the order read or inserted (tag order for valid data).
    public var elements: [DataElement]
    /// Whether this data set, as a sequence item, is (to be) written with undefined length.
    public var hasUndefinedLength: Bool

    /// Creates a data set.
    public init(_ elements: [DataElement] = [], hasUndefinedLength: Bool = false) {
        self.elements = elements
        self.hasUndefinedLength = hasUndefinedLength
    }

    /// The element with `tag`, nil if absent.
    public subscript(tag: Tag) -> DataElement? {
        get { elements.first { $0.tag == tag } }
        set {
            if let index = elements.firstIndex(where: { $0.tag == tag }) {
                if let newValue { elements[index] = newValue } else { elements.remove(at: index) }
            } else if let newValue {
                let index = elements.firstIndex { $0.tag > tag } ?? elements.endIndex
                elements.insert(newValue, at: index)
            }
        }
    }

    /// Sets a string value, padded to even length.
    public mutating func set(_ tag: Tag, _ vr: VR, _ string: String) {
        self[tag] = DataElement(tag: tag, vr: vr, string: string)
    }

    /// The string value of `tag` with padding removed and the Specific Character Set of this
    /// data set applied; nil if absent or not bytes.
    public func string(_ tag: Tag, characterSet: SpecificCharacterSet? = nil) -> String? {
        guard let element = self[tag], let bytes = element.bytes else { return nil }
        let charset = characterSet ?? specificCharacterSet
        return ValueDecoding.string(bytes, vr: element.vr, characterSet: charset)
    }

    /// The character set declared by (0008,0005), the default repertoire if absent.
    public var specificCharacterSet: SpecificCharacterSet {
        guard let bytes = self[.specificCharacterSet]?.bytes else { return .default }
        return SpecificCharacterSet(bytes)
    }
}
