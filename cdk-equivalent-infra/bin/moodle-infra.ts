#!/usr/bin/env node
// Entry point of `cdk synth|deploy|destroy`: context (cdk.json, -c) picks the configuration.
import { buildApp } from '../lib/app';

buildApp().app.synth();
