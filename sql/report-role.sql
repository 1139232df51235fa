-- Creates the read-only reporting role when `dicom-gw migrate` could not (its database user
-- lacks CREATEROLE), and grants it the reporting views. Run as a superuser, after migrate:
--   psql -d dicom_gw -v ON_ERROR_STOP=1 -f /usr/share/dicom-gw/sql/report-role.sql
-- Safe to run again. Then give people or tools access as members of the group:
--   CREATE ROLE alice LOGIN PASSWORD '...' IN ROLE dicom_gw_report;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dicom_gw_report') THEN
        CREATE ROLE dicom_gw_report NOLOGIN;
    END IF;
END;
$$;
SELECT dicom_gw.grant_reporting() AS granted;
