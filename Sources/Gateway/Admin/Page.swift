public import Hummingbird

/// Offset paging: `limit` items after skipping `offset`.
public struct Page: Sendable, Equatable {
    /// The largest page size.
    public static let maxLimit = 500
    /// The deepest offset (deeper pages should narrow the filter instead).
    public static let maxOffset = 1_000_000

    public var limit: Int
    public var offset: Int

    /// Creates a page.
    public init(limit: Int = 50, offset: Int = 0) {
        self.limit = limit
        self.offset = offset
    }
}

/// A page of results: `{"items": [...], "limit": 50, "offset": 0, "next_offset": 50}`;
/// `next_offset` is null on the last page.
public struct PagedResponse<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
    public var items: [Item]
    public var limit: Int
    public var offset: Int
    public var nextOffset: Int?

    enum CodingKeys: String, CodingKey {
        case items, limit, offset
        case nextOffset = "next_offset"
    }

    /// Builds the page from up to `page.limit + 1` fetched items (the extra one says there is more).
    public init(fetched: [Item], page: Page) {
        self.items = Array(fetched.prefix(page.limit))
        self.limit = page.limit
        self.offset = page.offset
        self.nextOffset = fetched.count > page.limit ? page.offset + page.limit : nil
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encode(limit, forKey: .limit)
        try c.encode(offset, forKey: .offset)
        try c.encode(nextOffset, forKey: .nextOffset)
    }
}

/// A list without paging: `{"items": [...]}`.
public struct ListResponse<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
    public var items: [Item]

    /// Wraps `items`.
    public init(_ items: [Item]) { self.items = items }
}
