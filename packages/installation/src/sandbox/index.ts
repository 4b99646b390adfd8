/** The plan's `sandbox`: what this machine offers and how a launch spec is wrapped in it. */
export { bubblewrapLaunch, checkSandboxedLaunch, requiredBubblewrapFlags, systemDirectories, unwrapLaunch } from './bubblewrap'
export type { BubblewrapOptions, LaunchSandbox } from './bubblewrap'
export { checkSandboxMode, createSandboxProbe, decideSandbox, sandboxModes } from './probe'
export type { SandboxAvailability, SandboxDecision, SandboxMode, SandboxProbe, SandboxProbeOptions } from './probe'
