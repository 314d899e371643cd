/**
 * `--help` text, generated from the command declarations (gh's layout):
 * description, usage, arguments, the command's options, the global options
 * it inherits, examples and notes, wrapped to the terminal's width (80 in a
 * pipe).
 */

import {
  type AnyOption,
  type ArgSpec,
  isHidden,
  loadEntry,
  type OptionSpecs,
} from "../commands/framework/spec.ts";
import { commandPath, type CommandTree, type Node } from "./parse.ts";

/** Width used when stdout is not a terminal. */
export const PIPE_WIDTH = 80;
/** The left column of option lists is at most this wide. */
const MAX_LEFT = 30;

/** Wraps text to `width`, indenting every line by `indent` spaces; keeps existing line breaks. */
export function wrap(text: string, width: number, indent = 0): string {
  const pad = " ".repeat(indent);
  const room = Math.max(20, width - indent);
  const out: string[] = [];
  for (const paragraph of text.split("\n")) {
    // An indented line is preformatted (a table: exit codes, variables,
    // value rules): kept as it is when it fits, else its text is wrapped
    // under its own column (the one after the label's run of spaces).
    if (/^ /.test(paragraph)) {
      if (indent + paragraph.length <= width) {
        out.push(pad + paragraph);
        continue;
      }
      const row = /^( +\S.*?\s{2,})(\S.*)$/.exec(paragraph) ?? /^( +)(\S.*)$/.exec(paragraph)!;
      const hang = indent + row[1].length;
      out.push(pad + row[1] + wrap(row[2], width, hang).slice(hang));
      continue;
    }
    const lead = "";
    const words = paragraph.split(/ +/).filter(Boolean);
    if (words.length === 0) {
      out.push("");
      continue;
    }
    let line = lead;
    for (const word of words) {
      if (line.trim() && line.length + 1 + word.length > room) {
        out.push(pad + line);
        line = lead + word;
      } else line = line.trim() ? `${line} ${word}` : lead + word;
    }
    out.push(pad + line);
  }
  return out.join("\n");
}

/** The left column for an option: `-o, --output <format>`, `    --listen[=<bool>]`. */
function optionLabel(o: AnyOption): string {
  const short = o.short ? `-${o.short}, ` : "    ";
  const value = o.kind === "flag"
    ? (o.switch ? "" : "[=<bool>]")
    : o.kind === "list"
    ? ` <${o.valueName ?? "value"}>...`
    : ` <${o.valueName ?? "value"}>`;
  return `${short}--${o.long}${value}`;
}

/** The left column's width for these rows. */
function leftWidth(rows: [string, string][]): number {
  return Math.min(MAX_LEFT, Math.max(...rows.map(([l]) => l.length)) + 2);
}

/** Two columns: labels on the left, wrapped help on the right. */
function columns(rows: [string, string][], width: number, left = leftWidth(rows)): string {
  return rows.map(([label, help]) => {
    const body = wrap(help, width, 2 + left).trimStart();
    if (label.length + 2 > left) {
      return `  ${label}\n${" ".repeat(2 + left)}${body}`;
    }
    return `  ${label.padEnd(left)}${body}`;
  }).join("\n");
}

function optionRows(options: OptionSpecs): [string, string][] {
  return Object.values(options).filter((o) => !o.hidden).map((o) => [optionLabel(o), o.help]);
}

function argLabel(a: ArgSpec): string {
  return a.variadic ? `${a.name}...` : a.name;
}

function usageLine(node: Node, path: readonly Node[]): string {
  const name = commandPath(path);
  if (node.kind === "group") return `${name} <command> [options]`;
  const args = (node.args ?? []).map((a) => {
    const shown = `<${argLabel(a)}>`;
    return a.required ? shown : `[${shown.slice(1, -1)}]`;
  });
  const keywords = node.scriptKeywords ? ["[--name=value...]"] : [];
  return [name, "[options]", ...args, ...keywords].join(" ");
}

function section(title: string, body: string): string {
  return `${title}:\n${body}\n`;
}

/** The indented examples block. */
function examplesBlock(examples: string): string {
  return examples.trim().split("\n").map((l) => (l ? `  ${l}` : "")).join("\n");
}

/** The help text of a command or group. `extra` is appended (the root adds exit codes). */
export function helpText(
  tree: CommandTree,
  path: readonly Node[],
  width: number,
  extra = "",
): string {
  const node = path.at(-1)!;
  const parts: string[] = [];
  parts.push(`${wrap(node.description ?? node.summary, width)}\n`);
  parts.push(section("Usage", `  ${usageLine(node, path)}`));
  if (node.kind === "group") {
    // Lazy entries carry their summary: listing a group loads none of its modules.
    const rows = node.commands.filter((c) => !isHidden(c)).map((c): [string, string] => [
      c.name,
      c.summary,
    ]);
    parts.push(section("Commands", columns(rows, width)));
  } else {
    const args = (node.args ?? []).map((a): [string, string] => [argLabel(a), a.help]);
    if (args.length) parts.push(section("Arguments", columns(args, width)));
  }
  const own = node.kind === "command" ? optionRows(node.options) : [];
  const globalRows = optionRows(tree.globals);
  if (node === tree.root) globalRows.push(...optionRows(tree.rootOnly));
  // One left column for the command's options and the global ones.
  const left = leftWidth([...own, ...globalRows]);
  if (own.length) parts.push(section("Options", columns(own, width, left)));
  parts.push(
    section(node === tree.root ? "Options" : "Global options", columns(globalRows, width, left)),
  );
  parts.push(section("Examples", examplesBlock(node.examples)));
  if (node.kind === "command" && node.notes) parts.push(`${wrap(node.notes.trim(), width)}\n`);
  if (node.kind === "group") {
    parts.push(`Run '${commandPath(path)} <command> --help' for more about a command.\n`);
  }
  if (extra) parts.push(extra);
  return parts.join("\n");
}

/** A Markdown cell: pipes escaped. */
function cell(text: string): string {
  return text.replaceAll("|", "\\|");
}

/**
 * The README's command table: every command of the tree that help shows,
 * depth first in the groups' order, with its usage (as `--help` prints it,
 * less `[options]`) and its group's summary. Options are left to `--help`,
 * so that adding one changes its command's module and help golden only.
 * Loads every command's module (it is for the README, never for a run).
 */
export async function commandsMarkdown(tree: CommandTree): Promise<string> {
  const rows: string[] = [];
  const visit = async (path: readonly Node[]): Promise<void> => {
    const node = path.at(-1)!;
    if (node.kind === "command") {
      const usage = usageLine(node, path).replace(" [options]", "");
      const aliases = node.aliases?.length
        ? ` (alias ${node.aliases.map((a) => `\`${a}\``).join(", ")})`
        : "";
      rows.push(`| \`${cell(usage)}\` | ${cell(node.summary)}${aliases} |`);
      return;
    }
    for (const entry of node.commands) {
      if (!isHidden(entry)) await visit([...path, await loadEntry(entry)]);
    }
  };
  await visit([tree.root]);
  return ["| command | what it does |", "| --- | --- |", ...rows].join("\n");
}
