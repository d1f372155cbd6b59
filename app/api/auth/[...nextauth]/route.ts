import type { NextRequest } from "next/server";
import { nextAuth } from "@/lib/auth";

export function GET(req: NextRequest) {
  return nextAuth().handlers.GET(req);
}
export function POST(req: NextRequest) {
  return nextAuth().handlers.POST(req);
}
