-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('viewer', 'editor', 'admin');

-- CreateTable
CREATE TABLE "Service" (
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Service_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "Instance" (
    "id" TEXT NOT NULL,
    "serviceName" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "inboundPort" INTEGER NOT NULL,
    "adminPort" INTEGER,
    "agentVersion" TEXT,
    "credentialHash" TEXT NOT NULL,
    "registeredAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastHeartbeatAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "appliedRevision" INTEGER,
    "health" TEXT NOT NULL DEFAULT 'starting',
    "deregisteredAt" TIMESTAMP(3),

    CONSTRAINT "Instance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MeshConfig" (
    "name" TEXT NOT NULL,
    "labels" JSONB,
    "spec" JSONB NOT NULL,
    "revisionId" INTEGER NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MeshConfig_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "TrafficPolicy" (
    "name" TEXT NOT NULL,
    "labels" JSONB,
    "spec" JSONB NOT NULL,
    "revisionId" INTEGER NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TrafficPolicy_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "AccessPolicy" (
    "name" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "labels" JSONB,
    "spec" JSONB NOT NULL,
    "revisionId" INTEGER NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccessPolicy_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "Revision" (
    "id" SERIAL NOT NULL,
    "actor" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "operation" TEXT NOT NULL,
    "message" TEXT,
    "restoredFrom" INTEGER,

    CONSTRAINT "Revision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RevisionChange" (
    "id" SERIAL NOT NULL,
    "revisionId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB,

    CONSTRAINT "RevisionChange_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OperatorToken" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "OperatorToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JoinToken" (
    "id" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "tokenHash" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "JoinToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CertificateAuthority" (
    "id" TEXT NOT NULL,
    "trustDomain" TEXT NOT NULL,
    "certificatePem" TEXT NOT NULL,
    "keyPem" TEXT,
    "notBefore" TIMESTAMP(3) NOT NULL,
    "notAfter" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CertificateAuthority_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IssuedCertificate" (
    "serial" TEXT NOT NULL,
    "identity" TEXT NOT NULL,
    "service" TEXT NOT NULL,
    "instanceId" TEXT,
    "notBefore" TIMESTAMP(3) NOT NULL,
    "notAfter" TIMESTAMP(3) NOT NULL,
    "issuedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IssuedCertificate_pkey" PRIMARY KEY ("serial")
);

-- CreateTable
CREATE TABLE "Span" (
    "traceId" TEXT NOT NULL,
    "spanId" TEXT NOT NULL,
    "parentSpanId" TEXT,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "service" TEXT NOT NULL,
    "version" TEXT,
    "startTime" TIMESTAMP(3) NOT NULL,
    "durationMs" DOUBLE PRECISION NOT NULL,
    "httpStatus" INTEGER,
    "error" BOOLEAN NOT NULL DEFAULT false,
    "meshError" TEXT,
    "attributes" JSONB NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Span_pkey" PRIMARY KEY ("traceId","spanId")
);

-- CreateTable
CREATE TABLE "MetricRollup" (
    "bucketStart" TIMESTAMP(3) NOT NULL,
    "direction" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "destination" TEXT NOT NULL,
    "destinationVersion" TEXT NOT NULL,
    "requests" INTEGER NOT NULL,
    "errors" INTEGER NOT NULL,
    "statusCounts" JSONB NOT NULL,
    "latencyBuckets" INTEGER[],
    "latencySumMs" DOUBLE PRECISION NOT NULL,
    "mtls" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "MetricRollup_pkey" PRIMARY KEY ("bucketStart","direction","source","destination","destinationVersion")
);

-- CreateTable
CREATE TABLE "AccessLog" (
    "id" BIGSERIAL NOT NULL,
    "time" TIMESTAMP(3) NOT NULL,
    "direction" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "destination" TEXT NOT NULL,
    "version" TEXT,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "status" INTEGER NOT NULL,
    "durationMs" DOUBLE PRECISION NOT NULL,
    "cause" TEXT,
    "traceId" TEXT,

    CONSTRAINT "AccessLog_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Instance_credentialHash_key" ON "Instance"("credentialHash");

-- CreateIndex
CREATE INDEX "Instance_serviceName_lastHeartbeatAt_idx" ON "Instance"("serviceName", "lastHeartbeatAt");

-- CreateIndex
CREATE INDEX "Instance_lastHeartbeatAt_idx" ON "Instance"("lastHeartbeatAt");

-- CreateIndex
CREATE INDEX "AccessPolicy_target_idx" ON "AccessPolicy"("target");

-- CreateIndex
CREATE INDEX "Revision_createdAt_idx" ON "Revision"("createdAt");

-- CreateIndex
CREATE INDEX "RevisionChange_revisionId_idx" ON "RevisionChange"("revisionId");

-- CreateIndex
CREATE INDEX "RevisionChange_kind_name_revisionId_idx" ON "RevisionChange"("kind", "name", "revisionId");

-- CreateIndex
CREATE UNIQUE INDEX "OperatorToken_tokenHash_key" ON "OperatorToken"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "JoinToken_tokenHash_key" ON "JoinToken"("tokenHash");

-- CreateIndex
CREATE INDEX "IssuedCertificate_service_issuedAt_idx" ON "IssuedCertificate"("service", "issuedAt");

-- CreateIndex
CREATE INDEX "IssuedCertificate_notAfter_idx" ON "IssuedCertificate"("notAfter");

-- CreateIndex
CREATE INDEX "Span_service_startTime_idx" ON "Span"("service", "startTime");

-- CreateIndex
CREATE INDEX "Span_startTime_idx" ON "Span"("startTime");

-- CreateIndex
CREATE INDEX "Span_durationMs_idx" ON "Span"("durationMs");

-- CreateIndex
CREATE INDEX "MetricRollup_destination_bucketStart_idx" ON "MetricRollup"("destination", "bucketStart");

-- CreateIndex
CREATE INDEX "MetricRollup_source_bucketStart_idx" ON "MetricRollup"("source", "bucketStart");

-- CreateIndex
CREATE INDEX "MetricRollup_bucketStart_idx" ON "MetricRollup"("bucketStart");

-- CreateIndex
CREATE INDEX "AccessLog_destination_time_idx" ON "AccessLog"("destination", "time");

-- CreateIndex
CREATE INDEX "AccessLog_source_time_idx" ON "AccessLog"("source", "time");

-- CreateIndex
CREATE INDEX "AccessLog_time_idx" ON "AccessLog"("time");

-- CreateIndex
CREATE INDEX "AccessLog_traceId_idx" ON "AccessLog"("traceId");

-- CreateIndex
CREATE INDEX "AccessLog_status_time_idx" ON "AccessLog"("status", "time");

-- AddForeignKey
ALTER TABLE "Instance" ADD CONSTRAINT "Instance_serviceName_fkey" FOREIGN KEY ("serviceName") REFERENCES "Service"("name") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RevisionChange" ADD CONSTRAINT "RevisionChange_revisionId_fkey" FOREIGN KEY ("revisionId") REFERENCES "Revision"("id") ON DELETE CASCADE ON UPDATE CASCADE;
