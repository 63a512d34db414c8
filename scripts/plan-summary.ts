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
    readonly before_sensitive?: unknown;
    readonly after_sensitive?: unknown;
  };
}

/** A value for the before → after list: short JSON, or what it is when it cannot be shown. */
function shown(value: unknown, sensitive: unknown, unknown: unknown): string {
  if (sensitive === true) return "(sensitive)";
  if (JSON.stringify(sensitive ?? false).includes("true")) return "(contains sensitive values)";
  if (unknown === true) return "(known after apply)";
  if (value === undefined || value === null) return "null";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function changedValues(change: ResourceChange["change"], attributes: string[]): string[] {
  const pick = (o: unknown, k: string) => (isObject(o) ? o[k] : undefined);
  return attributes.map((label) => {
    const k = label.replace(/ \(forces replacement\)$/, "");
    const before = shown(pick(change.before, k), pick(change.before_sensitive, k), undefined);
    const after = shown(pick(change.after, k), pick(change.after_sensitive, k), pick(change.after_unknown, k));
    return `${k}: ${before} → ${after}`;
  });
}

export interface Change {
  readonly address: string;
  readonly type: string;
  readonly action: Action;
  readonly attributes: string[];
  /** `attribute: before → after` for an update or replacement (sensitive and unknown values named, not shown). */
  readonly values?: string[];
  /** A replacement whose new object is created before the old one is deleted. */
  readonly createBeforeDestroy?: boolean;
}

export interface StackPlan {
  readonly stack: string;
  readonly changes: ReadonlyArray<Change>;
  /** `check` blocks that failed (or can only be evaluated on apply), with their messages. */
  readonly checks?: ReadonlyArray<{ address: string; status: "fail" | "unknown"; messages: string[] }>;
  /** Resources that `removed` blocks take out of state while they stay in AWS. */
  readonly forgotten?: readonly string[];
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
      if (!action) return [];
      const attributes = changedAttributes(rc.change, action);
      const createBeforeDestroy = action === "replace" && rc.change.actions[0] === "create";
      return [{ address: rc.address, type: rc.type, action, attributes, values: changedValues(rc.change, attributes), createBeforeDestroy }];
    });
  const forgotten = (resourceChanges as ResourceChange[])
    .filter((rc) => isObject(rc.change) && Array.isArray(rc.change.actions) && rc.change.actions.length === 1 && rc.change.actions[0] === "forget")
    .map((rc) => rc.address);
  const checks = (Array.isArray(json.checks) ? (json.checks as unknown[]) : []).flatMap((check) => {
    if (!isObject(check) || (check.status !== "fail" && check.status !== "unknown")) return [];
    const address = isObject(check.address) ? String(check.address.to_display ?? "") : "";
    const instances = Array.isArray(check.instances) ? (check.instances as unknown[]) : [];
    const messages = instances.flatMap((i) => (isObject(i) && Array.isArray(i.problems) ? (i.problems as unknown[]).map((p) => (isObject(p) ? String(p.message ?? "") : "")) : []));
    return [{ address, status: check.status as "fail" | "unknown", messages }];
  });
  const outputChanges = isObject(json.output_changes) ? json.output_changes : {};
  const outputs = Object.entries(outputChanges).flatMap(([name, change]) => {
    const action = isObject(change) && Array.isArray(change.actions) ? actionOf(change.actions as string[]) : undefined;
    return action ? [{ name, action }] : [];
  });
  return { stack, changes, outputs, checks, forgotten };
}

const ICON: Readonly<Record<Action, string>> = { create: "+", update: "~", replace: "-/+", delete: "-" };

export function renderSummary(plans: readonly StackPlan[]): string {
  const lines: string[] = [COMMENT_MARKER, `## Terraform plan: ${plans.length} stack${plans.length === 1 ? "" : "s"}`, ""];

  const destructive = plans.flatMap((p) => p.changes.filter((c) => c.action === "replace" || c.action === "delete").map((c) => ({ ...c, stack: p.stack })));
  for (const c of destructive.filter((d) => STATEFUL[d.type])) {
    lines.push("> [!CAUTION]", `> **${c.stack}: \`${c.address}\` will be ${c.action === "delete" ? "DELETED" : "REPLACED"}.** This loses ${STATEFUL[c.type]}. Do not merge unless that is intended.`, "");
  }
  for (const c of destructive.filter((d) => !STATEFUL[d.type])) {
    const order = c.createBeforeDestroy ? " (create before destroy: the new one exists before the old one is deleted)" : "";
    lines.push("> [!WARNING]", `> ${c.stack}: \`${c.address}\` will be ${c.action === "delete" ? "deleted" : "replaced"}${order}.`, "");
  }
  for (const plan of plans) {
    for (const check of plan.checks ?? []) {
      const what = check.status === "fail" ? "failed" : "can only be evaluated during apply";
      lines.push("> [!WARNING]", `> ${plan.stack}: check \`${check.address}\` ${what}${check.messages.length ? `: ${check.messages.join(" ")}` : "."}`, "");
    }
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
    if ((plan.forgotten ?? []).length > 0) {
      lines.push(`Forgotten by \`removed\` blocks (out of state, left in AWS): ${(plan.forgotten ?? []).map((a) => `\`${a}\``).join(", ")}`, "");
    }
    if (plan.changes.length === 0) {
      lines.push(outputs.length > 0 ? "No resource changes." : "No changes. Infrastructure matches the configuration.");
      continue;
    }
    lines.push("| | resource | changed attributes |", "| --- | --- | --- |");
    for (const c of plan.changes) {
      const attributes = c.attributes.length > 0 ? c.attributes.map((a) => `\`${a}\``).join(", ") : c.action === "create" ? "(new)" : c.action === "delete" ? "(removed)" : "";
      const action = c.createBeforeDestroy ? "`+/-` replace (create before destroy)" : `\`${ICON[c.action]}\` ${c.action}`;
      lines.push(`| ${action} | \`${c.address}\` | ${attributes} |`);
    }
    const values = plan.changes.filter((c) => (c.values ?? []).length > 0);
    if (values.length > 0) {
      lines.push("", "<details><summary>before → after</summary>", "");
      for (const c of values) for (const v of c.values ?? []) lines.push(`- \`${c.address}\` ${v.replace(/^([^:]+): /, "`$1`: ")}`);
      lines.push("", "</details>");
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
    const problems: Array<{ stack: string; message: string }> = [];
    const plans = args.flatMap((arg) => {
      const { stack, file } = stackNameFor(arg);
      try {
        let text: string;
        try {
          text = readFileSync(file, "utf8");
        } catch (error) {
          throw new PlanInputError(unreadableMessage(file, error as NodeJS.ErrnoException));
        }
        return [parsePlan(stack, text, file)];
      } catch (error) {
        if (!(error instanceof PlanInputError)) throw error;
        problems.push({ stack, message: error.message });
        return [];
      }
    });
    // One bad file loses nothing else: the other stacks are summarized, the bad one named
    // in the summary and on stderr, and the exit code says something is missing.
    if (plans.length > 0) {
      const missing = problems.map((p) => `> [!CAUTION]\n> **${p.stack}: no plan could be read.** ${p.message.split("\n")[0]}\n`).join("\n");
      const summary = renderSummary(plans);
      process.stdout.write(missing ? summary.replace(/\n\n/, `\n\n${missing}\n`) : summary);
    }
    if (problems.length > 0) throw new PlanInputError(problems.map((p) => p.message).join("\n"));
  } catch (error) {
    if (!(error instanceof PlanInputError)) throw error;
    process.stderr.write(`plan:summary: ${error.message}\n`);
    process.exit(2);
  }
}
