-- Issue 15: rollout status per revision; an agent reports the revision it could not apply, and why.

-- AlterTable
ALTER TABLE "Instance" ADD COLUMN "rejectedRevision" INTEGER,
ADD COLUMN "rejectionError" TEXT;
