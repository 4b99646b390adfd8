/** The package version, injected by tsup at build time (and by jest in tests). */
declare const __PACKAGE_VERSION__: string
