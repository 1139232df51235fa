/// Logger metadata keys of the job queue.
enum JobQueueMetadata {
    static let jobID = "job.id"
    static let leaseID = "job.lease_id"
    static let lane = "job.lane"
    static let queue = "job.queue"
    static let workerID = "job.worker_id"
    static let outcome = "job.outcome"
}
