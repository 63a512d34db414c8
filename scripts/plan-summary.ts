/**
 * `npm run plan:summary -- <plan.json>...` turns `terraform show -json <planfile>`
 * output into one Markdown pull-request comment: counts per stack, the changed
 * resources with their changed attributes, and loud warnings for every replace
 * or delete (louder for resources whose loss loses data or users).
 *
 * A stack's name is the plan file's folder (cdktf.out/stacks/<stack>/plan.json),
 * the file name without .json otherwise, or given as `<stack>=<file>`.
 */
import { readFileSync } from "node:fs";
import { basename, dirname } from "node:path";

/** Marks the comment so the workflow updates it in place instead of adding another. */
export const COMMENT_MARKER = "<!-- terraform-plan-summary -->";

/** Resources whose replacement or deletion loses data, and what is lost. */
const STATEFUL: Readonly<Record<string, string>> = {
  aws_cognito_user_pool: "every user account and password in the pool",
  aws_s3_bucket: "the objects in the bucket (for the state bucket: the Terraform state of every stack)",
  aws_ecr_repository: "every image in the repository",
  aws_cloudwatch_log_group: "the logs kept in the group",
};

type Action = "create" | "update" | "replace" | "delete";

interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly mode?: string;
  readonly change: {
    readonly actions: readonly string[];
    readonly before?: unknown;
    readonly after?: unknown;
    readonly after_unknown?: unknown;
    readonly replace_paths?: ReadonlyArray<ReadonlyArray<string | number>>;
  };
}

export interface StackPlan {
  readonly stack: string;
  readonly changes: ReadonlyArray<{ address: string; type: string; action: Action; attributes: string[] }>;
  /** Outputs the plan adds, changes or removes. */
  readonly outputs?: ReadonlyArray<{ name: string; action: Action }>;
  /** Why the stack was not planned (`npm run plan` says so instead of failing). */
  readonly notPlanned?: string;
}

export class PlanInputError extends Error {}

function actionOf(actions: readonly string[]): Action | undefined {
  if (actions.includes("delete") && actions.includes("create")) return "replace";
  if (actions.length === 1 && ["create", "update", "delete"].includes(actions[0])) return actions[0] as Action;
  return undefined; // no-op, read, forget
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Top-level attributes that differ between before and after, or become known only on apply. */
function changedAttributes(change: ResourceChange["change"], action: Action): string[] {
  if (action === "create" || action === "delete") return [];
  const before = isObject(change.before) ? change.before : {};
  const after = isObject(change.after) ? change.after : {};
  const unknown = isObject(change.after_unknown) ? change.after_unknown : {};
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const changed = [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]) && !(unknown[k] === true && before[k] === undefined));
  for (const [k, v] of Object.entries(unknown)) if (v === true && before[k] !== undefined && !changed.includes(k)) changed.push(k);
  const forcing = new Set((change.replace_paths ?? []).map((path) => String(path[0])));
  return changed.sort().map((k) => (forcing.has(k) ? `${k} (forces replacement)` : k));
}

export function parsePlan(stack: string, text: string, file = stack): StackPlan {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PlanInputError(`${file} is not JSON (${(error as Error).message}). Pass the output of \`terraform show -json <planfile>\`.`);
  }
  if (isObject(json) && typeof json.not_planned === "string") return { stack, changes: [], notPlanned: json.not_planned };
  if (!isObject(json) || typeof json.format_version !== "string" || !("planned_values" in json || "resource_changes" in json)) {
    throw new PlanInputError(`${file} is not a Terraform plan: expected the output of \`terraform show -json <planfile>\` (with format_version and resource_changes).`);
  }
  const resourceChanges: unknown = json.resource_changes ?? [];
  if (!Array.isArray(resourceChanges)) throw new PlanInputError(`${file}: resource_changes is not a list.`);
  const changes = (resourceChanges as ResourceChange[])
    .filter((rc) => rc.mode !== "data" && isObject(rc.change) && Array.isArray(rc.change.actions))
    .flatMap((rc) => {
      const action = actionOf(rc.change.actions);
      return action ? [{ address: rc.address, type: rc.type, action, attributes: changedAttributes(rc.change, action) }] : [];
    });
  const outputChanges = isObject(json.output_changes) ? json.output_changes : {};
  const outputs = Object.entries(outputChanges).flatMap(([name, change]) => {
    const action = isObject(change) && Array.isArray(change.actions) ? actionOf(change.actions as string[]) : undefined;
    return action ? [{ name, action }] : [];
  });
  return { stack, changes, outputs };
}

const ICON: Readonly<Record<Action, string>> = { create: "+", update: "~", replace: "-/+", delete: "-" };

export function renderSummary(plans: readonly StackPlan[]): string {
  const lines: string[] = [COMMENT_MARKER, `## Terraform plan: ${plans.length} stack${plans.length === 1 ? "" : "s"}`, ""];

  const destructive = plans.flatMap((p) => p.changes.filter((c) => c.action === "replace" || c.action === "delete").map((c) => ({ ...c, stack: p.stack })));
  for (const c of destructive.filter((d) => STATEFUL[d.type])) {
    lines.push("> [!CAUTION]", `> **${c.stack}: \`${c.address}\` will be ${c.action === "delete" ? "DELETED" : "REPLACED"}.** This loses ${STATEFUL[c.type]}. Do not merge unless that is intended.`, "");
  }
  for (const c of destructive.filter((d) => !STATEFUL[d.type])) {
    lines.push("> [!WARNING]", `> ${c.stack}: \`${c.address}\` will be ${c.action === "delete" ? "deleted" : "replaced"}.`, "");
  }

  lines.push("| stack | create | update | replace | delete |", "| --- | ---: | ---: | ---: | ---: |");
  for (const plan of plans) {
    const count = (a: Action) => plan.changes.filter((c) => c.action === a).length;
    if (plan.notPlanned) lines.push(`| ${plan.stack} | not planned | | | |`);
    else lines.push(`| ${plan.stack} | ${count("create")} | ${count("update")} | ${count("replace")} | ${count("delete")} |`);
  }
  for (const plan of plans) {
    lines.push("", `### ${plan.stack}`, "");
    if (plan.notPlanned) {
      lines.push(`${plan.stack}: not planned: ${plan.notPlanned}`);
      continue;
    }
    const outputs = plan.outputs ?? [];
    if (outputs.length > 0) {
      lines.push(`Outputs: ${outputs.map((o) => `\`${ICON[o.action]}\` \`${o.name}\` (${o.action})`).join(", ")}`, "");
    }
    if (plan.changes.length === 0) {
      lines.push("No changes. Infrastructure matches the configuration.");
      continue;
    }
    lines.push("| | resource | changed attributes |", "| --- | --- | --- |");
    for (const c of plan.changes) {
      const attributes = c.attributes.length > 0 ? c.attributes.map((a) => `\`${a}\``).join(", ") : c.action === "create" ? "(new)" : c.action === "delete" ? "(removed)" : "";
      lines.push(`| \`${ICON[c.action]}\` ${c.action} | \`${c.address}\` | ${attributes} |`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** How to make the input on your machine: the steps the plan workflow runs for each stack. */
const HOW_TO_MAKE_PLAN_JSON = [
  "Make plan.json for each stack, from the project folder after `npm run synth` (network-* and app-* need AWS credentials for their S3 state):",
  "  (cd cdktf.out/stacks/app-<env> && terraform init && terraform plan -out=tfplan && terraform show -json tfplan > plan.json)",
  "then: npm run plan:summary -- cdktf.out/stacks/*/plan.json",
].join("\n");

const USAGE = `usage: npm run plan:summary -- <plan.json>... (each the output of \`terraform show -json <planfile>\`, named <stack>=<file> or after its folder)\n${HOW_TO_MAKE_PLAN_JSON}`;

/** Why `file` could not be read, in words, with the error code and what to do about it. */
export function unreadableMessage(file: string, error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case "ENOENT":
      return `cannot read ${file}: no such file (ENOENT).\n${HOW_TO_MAKE_PLAN_JSON}`;
    case "EACCES":
    case "EPERM":
      return `cannot read ${file}: permission denied (${error.code}). Make it readable for your user (ls -l ${file}).`;
    case "EISDIR":
      return `cannot read ${file}: it is a directory (EISDIR). Pass the plan inside it, e.g. ${file.replace(/\/+$/, "")}/plan.json.\n${HOW_TO_MAKE_PLAN_JSON}`;
    default:
      return `cannot read ${file}: ${error.message}`;
  }
}

export function stackNameFor(arg: string): { stack: string; file: string } {
  const eq = arg.indexOf("=");
  if (eq > 0) return { stack: arg.slice(0, eq), file: arg.slice(eq + 1) };
  const name = basename(arg).replace(/\.json$/, "");
  return { stack: ["plan", "tfplan"].includes(name) ? basename(dirname(arg)) : name, file: arg };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  try {
    if (args.length === 0) throw new PlanInputError(USAGE);
    const plans = args.map((arg) => {
      const { stack, file } = stackNameFor(arg);
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (error) {
        throw new PlanInputError(unreadableMessage(file, error as NodeJS.ErrnoException));
      }
      return parsePlan(stack, text, file);
    });
    process.stdout.write(renderSummary(plans));
  } catch (error) {
    if (!(error instanceof PlanInputError)) throw error;
    process.stderr.write(`plan:summary: ${error.message}\n`);
    process.exit(2);
  }
}
