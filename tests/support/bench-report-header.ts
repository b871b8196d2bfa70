/** The run facts a rendered bench report starts with, for tests of the markdown. */
export const REPORT_HEADER = {
  startedAt: "2026-12-01T12:00:00.000Z",
  commit: { sha: "0123456789abcdef", dirty: false },
  machine: {
    cores: 2,
    cpuModel: "cpu",
    memoryBytes: 2e9,
    loadAverage: { start: 1, end: 1 },
    node: "v20",
    docker: null,
    kernel: "",
  },
  fleet: { hosts: 3, prefix: "berth-bench" },
};
