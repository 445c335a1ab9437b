-- Issue 21: join tokens scoped to one service, how each instance was attested, and server-side dashboard sessions.

-- AlterTable
ALTER TABLE "JoinToken" ADD COLUMN "service" TEXT;

-- AlterTable
ALTER TABLE "Instance" ADD COLUMN "attestation" TEXT;

-- CreateTable
CREATE TABLE "OperatorSession" (
    "id" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "operatorTokenHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "OperatorSession_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "OperatorSession_secretHash_key" ON "OperatorSession"("secretHash");

-- CreateIndex
CREATE INDEX "OperatorSession_expiresAt_idx" ON "OperatorSession"("expiresAt");
