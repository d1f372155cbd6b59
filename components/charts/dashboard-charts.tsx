"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";

const COLORS = { registered: "#2563eb", notRegistered: "#e11d48", capable: "#0891b2", passwordless: "#7c3aed" };
const BUCKET_COLORS: Record<string, string> = {
  enforcedAllApps: "#059669",
  enforcedSomeApps: "#84cc16",
  registeredNotEnforced: "#f59e0b",
  enforcedNotRegistered: "#f97316",
  neither: "#e11d48",
  sanctionedExclusion: "#64748b",
};

export interface SplitDatum {
  key: string;
  label: string;
  registered: number;
  notRegistered: number;
  total: number;
}

/** Stacked bars: registered vs not, per group; clicking a segment opens its users. */
export function MfaSplitChart({ data, testId }: { data: SplitDatum[]; testId: string }) {
  const router = useRouter();
  const open = (key: string, part: "registered" | "notRegistered") =>
    router.push(`/dashboard/users?segment=${encodeURIComponent(`mfa:${key}:${part}`)}`);
  return (
    <div className="h-64" data-testid={testId}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" margin={{ left: 24, right: 16 }}>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} />
          <XAxis type="number" allowDecimals={false} />
          <YAxis type="category" dataKey="label" width={120} tick={{ fontSize: 12 }} interval={0} />
          <Tooltip />
          <Legend />
          <Bar
            dataKey="registered"
            name="MFA registered"
            stackId="a"
            fill={COLORS.registered}
            cursor="pointer"
            onClick={(d) => open((d as unknown as SplitDatum).key, "registered")}
          />
          <Bar
            dataKey="notRegistered"
            name="Not registered"
            stackId="a"
            fill={COLORS.notRegistered}
            cursor="pointer"
            onClick={(d) => open((d as unknown as SplitDatum).key, "notRegistered")}
          />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export function BucketChart({ data }: { data: { bucket: string; label: string; users: number }[] }) {
  const router = useRouter();
  return (
    <div className="h-64" data-testid="bucket-chart">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" margin={{ left: 24, right: 16 }}>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} />
          <XAxis type="number" allowDecimals={false} />
          <YAxis type="category" dataKey="label" width={210} tick={{ fontSize: 12 }} interval={0} />
          <Tooltip />
          <Bar
            dataKey="users"
            name="Users"
            cursor="pointer"
            onClick={(d) =>
              router.push(`/dashboard/users?segment=bucket:${(d as unknown as { bucket: string }).bucket}`)
            }
          >
            {data.map((d) => (
              <Cell key={d.bucket} fill={BUCKET_COLORS[d.bucket] ?? "#64748b"} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export function MethodChart({ data }: { data: { method: string; label: string; users: number }[] }) {
  const router = useRouter();
  return (
    <div className="h-64" data-testid="method-chart">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" margin={{ left: 24, right: 16 }}>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} />
          <XAxis type="number" allowDecimals={false} />
          <YAxis type="category" dataKey="label" width={190} tick={{ fontSize: 12 }} interval={0} />
          <Tooltip />
          <Bar
            dataKey="users"
            name="Users"
            fill={COLORS.passwordless}
            cursor="pointer"
            onClick={(d) =>
              router.push(`/dashboard/users?segment=method:${(d as unknown as { method: string }).method}`)
            }
          />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export function TrendChart({ data }: { data: { at: string; pct: number }[] }) {
  return (
    <div className="h-48" data-testid="trend-chart">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart
          data={data.map((d) => ({ ...d, when: new Date(d.at).toLocaleDateString() }))}
          margin={{ left: 8, right: 16 }}
        >
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="when" tick={{ fontSize: 11 }} />
          <YAxis domain={[0, 100]} unit="%" />
          <Tooltip />
          <Line
            type="monotone"
            dataKey="pct"
            name="MFA registered (%)"
            stroke={COLORS.registered}
            strokeWidth={2}
            dot
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

/** The same links the charts open, as text: keyboard and screen-reader users reach every segment too. */
export function SegmentLinks({ links }: { links: { href: string; label: string }[] }) {
  return (
    <ul className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs">
      {links.map((l) => (
        <li key={l.href}>
          <Link href={l.href} className="text-brand-700 hover:underline">
            {l.label}
          </Link>
        </li>
      ))}
    </ul>
  );
}
