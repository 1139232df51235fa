import DICOM
import DICOMNetwork
import Foundation
import Logging
import NIOCore

/// Sends hand-made C-STOREs with the project's own SCU (any command UID, any data set).
enum TestSCU {
    static func logger() -> Logger {
        var logger = Logger(label: "test.scu")
        logger.logLevel = .critical
        return logger
    }

    /// Sends each (command SOP Instance UID, data set) on one association; returns the statuses.
    static func store(
        port: Int,
        _ objects: [(sop: String, dataSet: DataSet)],
        sopClass: String = InstanceFactory.ctImageStorage
    ) async throws -> [StoreOutcome] {
        let client = DICOMClient(
            configuration: .init(
                callingAETitle: "TESTSCU", calledAETitle: "GATEWAY",
                timeouts: AssociationTimeouts(artim: .seconds(5), acse: .seconds(5), dimse: .seconds(10), idle: .seconds(10)),
                connectTimeout: .seconds(5)),
            logger: logger())
        return try await client.withAssociation(
            host: "127.0.0.1", port: port,
            contexts: [.init(abstractSyntax: sopClass, transferSyntaxes: [TransferSyntax.explicitVRLittleEndian.uid])]
        ) { association in
            var outcomes: [StoreOutcome] = []
            for object in objects {
                let bytes = try DataSetWriter.encode(object.dataSet, transferSyntax: .explicitVRLittleEndian)
                outcomes.append(try await association.store(
                    dataSet: ByteBuffer(bytes: bytes), transferSyntaxUID: TransferSyntax.explicitVRLittleEndian.uid,
                    sopClassUID: sopClass, sopInstanceUID: object.sop))
            }
            return outcomes
        }
    }
}
