import { roleLayout } from "@/lib/auth";

export default roleLayout("admin", "auditor");
