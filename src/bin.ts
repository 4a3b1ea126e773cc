#!/usr/bin/env node
import { runModelflagsCli } from './cli.js';
import { runAsProcess } from './process-io.js';

runAsProcess('modelflags', runModelflagsCli);
