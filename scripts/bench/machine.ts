/**
 * The machine a run happened on, from /proc and /etc/os-release (no
 * `--allow-sys` needed), so that the document says where its numbers come from.
 */

/** CPU, memory, OS and runtime of this machine. */
export interface Machine {
  cpu: string;
  cores: number;
  memory: string;
  os: string;
  kernel: string;
  deno: string;
}

async function read(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return "";
  }
}

/** Describes this machine. */
export async function describeMachine(): Promise<Machine> {
  const cpuinfo = await read("/proc/cpuinfo");
  const models = [...cpuinfo.matchAll(/^model name\s*:\s*(.+)$/gm)].map((m) => m[1].trim());
  const memKib = Number((await read("/proc/meminfo")).match(/^MemTotal:\s+(\d+)/m)?.[1] ?? 0);
  const osRelease = await read("/etc/os-release");
  return {
    cpu: models[0] ?? "unknown CPU",
    cores: models.length || navigator.hardwareConcurrency,
    memory: memKib ? `${(memKib / 1024 / 1024).toFixed(1)} GiB` : "unknown",
    os: osRelease.match(/^PRETTY_NAME="?([^"\n]+)"?$/m)?.[1] ?? Deno.build.os,
    kernel: (await read("/proc/sys/kernel/osrelease")).trim() || "unknown",
    deno: `deno ${Deno.version.deno} (v8 ${Deno.version.v8}, ${Deno.build.target})`,
  };
}

/** The 1-, 5- and 15-minute load averages, as /proc/loadavg gives them. */
export async function loadAverage(): Promise<string> {
  return (await read("/proc/loadavg")).split(" ").slice(0, 3).join(" ") || "unknown";
}
