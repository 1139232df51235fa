-- dicom-gw schema, part 11: host name verification towards TLS destinations.
--
-- Until now the forwarder checked a TLS destination's certificate chain but not that the
-- certificate names the host it connected to, so any certificate from a trusted CA would do.
-- tls_verify_hostname turns the check on: the certificate's subjectAltName (DNS name, or IP
-- address when host is an address) must match destinations.host.
--
-- Rows that exist when this runs keep today's behaviour (false), so an upgrade does not
-- break a destination whose certificate does not name its host; an operator turns it on
-- per destination. Rows inserted afterwards default to true.

ALTER TABLE dicom_gw.destinations
    ADD COLUMN tls_verify_hostname boolean NOT NULL DEFAULT false;
ALTER TABLE dicom_gw.destinations
    ALTER COLUMN tls_verify_hostname SET DEFAULT true;

COMMENT ON COLUMN dicom_gw.destinations.tls_verify_hostname IS
    'TLS only: the peer certificate must name host (DNS or IP subjectAltName); false checks the chain only';
