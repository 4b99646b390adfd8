#!/usr/bin/env node
/** `tekton-mcp-launch <server>`: starts an installed server with its secrets (see `secret-launcher`). */
import { secretLauncherMain } from './secret-launcher'

void secretLauncherMain()
