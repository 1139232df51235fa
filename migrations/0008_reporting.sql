-- dicom-gw schema, part 8: reporting views and the read-only reporting role.
--
-- The views are part of the schema (a public interface): they change in the same versioned
-- step as the tables they read, the migration ledger's checksum notices an edited copy, and
-- pg_dump carries them. sql/reports.sql holds ready-made queries over them.
--
-- Times are timestamptz; "day" columns are UTC calendar days. Durations are in seconds
-- (double precision) so spreadsheets and Grafana read them without interval parsing.
--
-- Access: the NOLOGIN group role dicom_gw_report gets USAGE on the schema and SELECT on
-- these views only, never on the tables. A view reads its tables with its owner's rights,
-- so members see exactly what the views show. Give a person or a tool access with
--   CREATE ROLE alice LOGIN PASSWORD '...' IN ROLE dicom_gw_report;
-- CREATE ROLE needs CREATEROLE: when the migrating user lacks it, the role is skipped with a
-- notice; sql/report-role.sql, run by a superuser, creates it and grants the same rights.

-- Objects and bytes received per UTC day and source (calling) AE. Replaced and deleted
-- instances still count: this is what arrived, not what is kept.
CREATE VIEW dicom_gw.report_received_daily AS
SELECT (i.received_at AT TIME ZONE 'UTC')::date AS day,
       coalesce(i.calling_ae_title, '') AS source_ae,
       count(*) AS objects,
       sum(i.size_bytes)::bigint AS bytes,
       count(DISTINCT i.study_id) AS studies
FROM dicom_gw.instances i
GROUP BY 1, 2;

-- Per destination and UTC day (of the delivery, or of the last attempt of a failure):
-- deliveries, failures (dead-lettered), failure rate, and the latency of deliveries from
-- enqueue to the destination's acknowledgement, as percentiles in seconds.
CREATE VIEW dicom_gw.report_forward_daily AS
SELECT (coalesce(d.delivered_at, d.last_attempt_at, d.enqueued_at) AT TIME ZONE 'UTC')::date AS day,
       de.name AS destination,
       count(*) FILTER (WHERE d.state = 'delivered') AS delivered,
       count(*) FILTER (WHERE d.state = 'failed') AS failed,
       round(count(*) FILTER (WHERE d.state = 'failed')::numeric
             / nullif(count(*) FILTER (WHERE d.state IN ('delivered', 'failed')), 0), 4) AS failure_rate,
       sum(d.attempts)::bigint AS attempts,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - d.enqueued_at))
           FILTER (WHERE d.state = 'delivered') AS latency_p50_s,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - d.enqueued_at))
           FILTER (WHERE d.state = 'delivered') AS latency_p90_s,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - d.enqueued_at))
           FILTER (WHERE d.state = 'delivered') AS latency_p99_s,
       max(extract(epoch FROM d.delivered_at - d.enqueued_at)::float8)
           FILTER (WHERE d.state = 'delivered') AS latency_max_s
FROM dicom_gw.deliveries d
JOIN dicom_gw.destinations de ON de.id = d.destination_id
WHERE d.state IN ('delivered', 'failed')
GROUP BY 1, 2;

-- The same over all time, one row per destination, with what is still pending.
CREATE VIEW dicom_gw.report_forward_destinations AS
SELECT de.name AS destination, de.enabled, de.paused,
       count(d.instance_id) FILTER (WHERE d.state = 'pending') AS pending,
       count(d.instance_id) FILTER (WHERE d.state = 'delivered') AS delivered,
       count(d.instance_id) FILTER (WHERE d.state = 'failed') AS failed,
       count(d.instance_id) FILTER (WHERE d.state = 'cancelled') AS cancelled,
       round(count(d.instance_id) FILTER (WHERE d.state = 'failed')::numeric
             / nullif(count(d.instance_id) FILTER (WHERE d.state IN ('delivered', 'failed')), 0), 4) AS failure_rate,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - d.enqueued_at))
           FILTER (WHERE d.state = 'delivered') AS latency_p50_s,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - d.enqueued_at))
           FILTER (WHERE d.state = 'delivered') AS latency_p90_s,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - d.enqueued_at))
           FILTER (WHERE d.state = 'delivered') AS latency_p99_s,
       max(d.delivered_at) AS last_delivered_at,
       de.connection_failures, de.last_error
FROM dicom_gw.destinations de
LEFT JOIN dicom_gw.deliveries d ON d.destination_id = de.id
GROUP BY de.id;

-- Queue depth per queue and lane (with the destination's name for forward lanes): jobs
-- waiting (scheduled or available), due now, running, and how long the oldest waiting job
-- has waited since it was enqueued.
CREATE VIEW dicom_gw.report_queue_depth AS
SELECT j.queue, j.lane, de.name AS destination,
       count(*) FILTER (WHERE j.state <> 'running') AS waiting,
       count(*) FILTER (WHERE j.state <> 'running' AND j.run_at <= now()) AS due,
       count(*) FILTER (WHERE j.state = 'running') AS running,
       min(j.enqueued_at) FILTER (WHERE j.state <> 'running') AS oldest_enqueued_at,
       extract(epoch FROM now() - min(j.enqueued_at) FILTER (WHERE j.state <> 'running'))::float8 AS oldest_wait_s,
       (l.paused_until > now()) IS TRUE AS lane_paused
FROM dicom_gw.jobs j
LEFT JOIN dicom_gw.job_lanes l ON l.lane = j.lane
LEFT JOIN dicom_gw.destinations de ON j.lane = 'destination:' || de.id
GROUP BY j.queue, j.lane, de.name, l.paused_until;

-- Dead-lettered jobs (discarded and not live again) with the reason, the destination and,
-- for forward jobs, the object and its last DICOM status.
CREATE VIEW dicom_gw.report_dead_letters AS
SELECT h.id AS job_id, h.queue, h.lane, de.name AS destination, h.kind,
       h.attempt AS attempts, h.enqueued_at, h.finished_at AS dead_lettered_at,
       h.last_error AS reason,
       (SELECT e.entry ->> 'kind' FROM jsonb_array_elements(h.errors) WITH ORDINALITY AS e(entry, n)
         ORDER BY e.n DESC LIMIT 1) AS error_kind,
       s.study_instance_uid::text AS study_instance_uid, i.sop_instance_uid::text AS sop_instance_uid,
       d.last_status
FROM dicom_gw.job_dead_letters h
LEFT JOIN dicom_gw.destinations de ON h.lane = 'destination:' || de.id
LEFT JOIN dicom_gw.instances i
       ON h.payload ? 'instance_id' AND i.id = (h.payload ->> 'instance_id')::bigint
LEFT JOIN dicom_gw.studies s ON s.id = i.study_id
LEFT JOIN dicom_gw.deliveries d ON d.instance_id = i.id AND d.destination_id = de.id;

-- Studies some destination has not received (yet): per study, how its deliveries stand
-- and which destinations still lack something. A study whose every delivery is
-- 'delivered' is absent.
CREATE VIEW dicom_gw.report_undelivered_studies AS
SELECT s.study_instance_uid::text AS study_instance_uid, s.accession_number, s.study_date,
       s.first_received_at, s.last_received_at,
       count(DISTINCT d.instance_id) AS instances,
       count(*) AS deliveries,
       count(*) FILTER (WHERE d.state = 'delivered') AS delivered,
       count(*) FILTER (WHERE d.state = 'pending') AS pending,
       count(*) FILTER (WHERE d.state = 'failed') AS failed,
       count(*) FILTER (WHERE d.state = 'cancelled') AS cancelled,
       array_agg(DISTINCT de.name ORDER BY de.name) FILTER (WHERE d.state <> 'delivered') AS missing_destinations,
       min(d.enqueued_at) FILTER (WHERE d.state = 'pending') AS oldest_pending_since
FROM dicom_gw.deliveries d
JOIN dicom_gw.instances i ON i.id = d.instance_id
JOIN dicom_gw.studies s ON s.id = i.study_id
JOIN dicom_gw.destinations de ON de.id = d.destination_id
GROUP BY s.id
HAVING bool_or(d.state <> 'delivered');

-- Storage use by state (stored: storage/studies/, forwarded/, failed/; deleted: rows whose
-- file retention or the archive policy removed, their bytes no longer on disk).
CREATE VIEW dicom_gw.report_storage_use AS
SELECT i.storage_state::text AS state,
       count(*) AS objects,
       coalesce(sum(i.size_bytes), 0)::bigint AS bytes,
       count(DISTINCT i.study_id) AS studies,
       min(i.received_at) AS oldest_received_at,
       max(i.received_at) AS newest_received_at
FROM dicom_gw.instances i
GROUP BY i.storage_state;

-- Grants the reporting rights to dicom_gw_report when the role exists: USAGE on the schema,
-- SELECT on every report_* view, nothing else. Idempotent; sql/report-role.sql calls it
-- after creating the role.
CREATE FUNCTION dicom_gw.grant_reporting() RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    v_view text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dicom_gw_report') THEN
        RETURN false;
    END IF;
    EXECUTE 'GRANT USAGE ON SCHEMA dicom_gw TO dicom_gw_report';
    FOR v_view IN
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'dicom_gw' AND c.relkind = 'v' AND c.relname LIKE 'report\_%'
    LOOP
        EXECUTE format('GRANT SELECT ON dicom_gw.%I TO dicom_gw_report', v_view);
    END LOOP;
    RETURN true;
END;
$$;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dicom_gw_report') THEN
        BEGIN
            CREATE ROLE dicom_gw_report NOLOGIN;
        EXCEPTION
            WHEN insufficient_privilege THEN
                RAISE NOTICE 'dicom_gw_report not created (no CREATEROLE): run sql/report-role.sql as a superuser';
            -- Another database of the same cluster migrating at the same moment created it.
            WHEN duplicate_object OR unique_violation THEN
                NULL;
        END;
    END IF;
    PERFORM dicom_gw.grant_reporting();
END;
$$;
