#!/usr/bin/env node
// A committed launcher, so package managers can link the bin before the build has produced dist/.
import '../dist/bin.js'
