/// Where a claimer last claimed in each lane, so its next claim seeks past the head of the
/// available index instead of walking it.
///
/// Under a long-held snapshot (`pg_dump`, a REPEATABLE READ report) the entries of every job
/// claimed since the snapshot stay in the index as dead entries nobody may prune; an unhinted
/// claim walks them all and slows down in proportion. Hints are never forgotten: a job of a
/// better priority is found by a probe of its own, one that became available just behind a
/// hint by a look-back sweep, and anything older by a rare full sweep (see `JobWorker`).
struct ClaimHints: Sendable {
    /// The claim order of a job: priority, run_at (as text, exact to the microsecond), id.
    struct Key: Sendable, Hashable, Comparable {
        var priority: Int16
        /// UTC, fixed width (`2026-11-29T06:06:48.864019Z`), so it also sorts as text.
        var runAt: String
        var id: Int64

        static func < (a: Key, b: Key) -> Bool {
            (a.priority, a.runAt, a.id) < (b.priority, b.runAt, b.id)
        }
    }

    private(set) var keys: [String: Key] = [:]

    /// Remembers the last of `jobs` per lane.
    mutating func record(_ jobs: [ClaimedJob]) {
        recordKeys(jobs.map { ($0.lane, $0.sortKey) })
    }

    mutating func recordKeys(_ entries: [(lane: String, key: Key)]) {
        for (lane, key) in entries {
            if let old = keys[lane], key <= old { continue }
            keys[lane] = key
        }
    }

    var isEmpty: Bool { keys.isEmpty }

    /// Parallel arrays for `job_claim`.
    var arrays: (lanes: [String], priorities: [Int32], runAts: [String], ids: [Int64]) {
        let entries = keys.sorted { $0.key < $1.key }
        return (entries.map(\.key), entries.map { Int32($0.value.priority) }, entries.map(\.value.runAt),
                entries.map(\.value.id))
    }
}
