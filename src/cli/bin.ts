#!/usr/bin/env node
import { runModelflagsCli } from './main.js';
import { runAsProcess } from '../io/process-io.js';

runAsProcess('modelflags', runModelflagsCli);
