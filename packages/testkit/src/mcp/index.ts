export { fixtureServerSource, fixtureTools } from './fixture-server'
export type { FixtureBehavior, FixtureServerOptions, FixtureTool } from './fixture-server'
