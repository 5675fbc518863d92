-- AlterTable
ALTER TABLE "customers" ADD COLUMN     "address" TEXT;
