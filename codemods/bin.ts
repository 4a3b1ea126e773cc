#!/usr/bin/env node
import { runAsProcess } from '../src/process-io.js';
import { runCli } from './cli.js';

runAsProcess('remove-flag', runCli);
