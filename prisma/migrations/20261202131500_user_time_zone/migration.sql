-- A user's own display zone (IANA name); NULL follows the installation's APP_TIME_ZONE.
ALTER TABLE "users" ADD COLUMN "time_zone" TEXT;
