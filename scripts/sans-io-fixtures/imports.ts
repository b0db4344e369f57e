// Every way of loading a module that does I/O.
import "node:dgram"; // caught: import "node:dgram"
import "dgram"; // caught: import "dgram"
import { createSocket } from "node:dgram"; // caught: Node built-ins
import * as fs from "fs/promises"; // caught: Node built-ins
import type { Socket } from "node:net"; // caught: Node built-ins
import WebSocket from "ws"; // caught: only relative and @grapevine/*
import os = require("node:os"); // caught: Node built-ins
export * from "node:net"; // caught: Node built-ins
export { readFileSync } from "node:fs"; // caught: Node built-ins
import { decode } from "@grapevine/codec";
import { helper } from "./helper.js";

export const dgram = require("dgram"); // caught: require
export const net = import("node:net"); // caught: import()
export const here = import.meta.url; // caught: import.meta
export const used = [createSocket, fs, WebSocket, os, decode, helper];
export type Used = Socket;
