"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Notice } from "@/components/ui/notice";
import { Section } from "@/components/ui/section";
import { useAction } from "@/components/ui/use-action";
import type { ActionResult } from "@/lib/action";

type SaveAction = (input: {
  groupIds: string;
}) => Promise<ActionResult<{ groupIds: string[]; roleAssignable: number }>>;

/**
 * PIM for Groups beyond role-assignable groups (#19): the admin names the other groups PIM governs (Graph cannot list
 * them), one object id per line; the sync then reads their eligible and time-bound members and owners.
 */
export function GovernedGroupsPanel({
  groups,
  save,
}: {
  groups: { id: string; name: string | null; found: boolean }[];
  save: SaveAction;
}) {
  const { pending, note, run } = useAction();
  const [text, setText] = useState(groups.map((g) => g.id).join("\n"));
  return (
    <Section title="PIM for Groups" testId="governed-groups">
      <div className="space-y-3 px-5 py-4 text-sm">
        <p className="text-slate-700">
          Every sync reads the eligible and time-bound members and owners of each role-assignable group. Microsoft Graph
          cannot list which other groups are governed by PIM: name them here (object ids, one per line) so their
          eligible members and owners are synced and reviewed too.
        </p>
        {groups.length > 0 && (
          <ul className="list-disc pl-5 text-slate-700" data-testid="governed-groups-list">
            {groups.map((g) => (
              <li key={g.id}>
                {g.name ?? g.id}
                {!g.found && <span className="ml-2 text-amber-800">(not in the last sync)</span>}
              </li>
            ))}
          </ul>
        )}
        <label className="block">
          <span className="font-medium text-slate-700">Group object ids</span>
          <textarea
            name="groupIds"
            rows={4}
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="00000000-0000-0000-0000-000000000000"
            className="mt-1 block w-full max-w-xl rounded-md border border-slate-300 px-2 py-1 font-mono text-xs"
          />
        </label>
        <div className="flex flex-wrap items-center gap-3">
          <Button
            variant="primary"
            disabled={pending}
            onClick={() =>
              run(
                () => save({ groupIds: text }),
                (r) =>
                  `Saved ${r.groupIds.length} group(s)${r.roleAssignable ? ` (${r.roleAssignable} role-assignable, read anyway)` : ""}. The next sync reads them.`,
              )
            }
          >
            Save groups
          </Button>
          <Notice note={note} />
        </div>
      </div>
    </Section>
  );
}
