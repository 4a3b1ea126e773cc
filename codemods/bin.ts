#!/usr/bin/env node
import { runAsProcess } from 'modelflags/io';
import { runCli } from './cli.js';

runAsProcess('remove-flag', runCli);
