// bench_ort.js - ONNX Runtime (onnxruntime-node, one thread) scoring a float32 array, for
// scripts/bench.py's onnx section.
//
//   node bench_ort.js MODEL.onnx ROWS.f32 N_ROWS N_FEATURES REPEAT OUT.f32 OUTPUT_NAME
//
// ROWS.f32 holds N_ROWS x N_FEATURES float32 values (native byte order). One session
// (intraOpNumThreads = interOpNumThreads = 1, sequential) runs the whole array REPEAT times in one
// call each; prints "cpu_ns_per_row A wall_ns_per_row B" (best of REPEAT; CPU time is this
// process's user + system time) and writes the output OUTPUT_NAME of the last run to OUT.f32 as
// float32. onnxruntime-node is found through NODE_PATH.
"use strict";
const fs = require("fs");
const ort = require("onnxruntime-node");

async function main() {
    const [model, rowsPath, nRows, nFeat, repeat, outPath, outName] = process.argv.slice(2);
    const n = Number(nRows), nf = Number(nFeat), reps = Number(repeat);
    const buf = fs.readFileSync(rowsPath);
    const data = new Float32Array(buf.buffer, buf.byteOffset, n * nf);
    const session = await ort.InferenceSession.create(model, {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionMode: "sequential",
        graphOptimizationLevel: "all",
    });
    const feeds = { X: new ort.Tensor("float32", data, [n, nf]) };
    await session.run(feeds); // warm-up
    let bestCpu = Infinity, bestWall = Infinity, out = null;
    for (let r = 0; r < reps; r++) {
        const c0 = process.cpuUsage(), w0 = process.hrtime.bigint();
        out = await session.run(feeds);
        const w1 = process.hrtime.bigint(), c = process.cpuUsage(c0);
        bestCpu = Math.min(bestCpu, (c.user + c.system) * 1000);
        bestWall = Math.min(bestWall, Number(w1 - w0));
    }
    const t = out[outName];
    const f = Float32Array.from(t.data, Number);
    fs.writeFileSync(outPath, Buffer.from(f.buffer));
    console.log("cpu_ns_per_row " + (bestCpu / n).toFixed(1) + " wall_ns_per_row " +
                (bestWall / n).toFixed(1));
}

main().catch((e) => {
    console.error("bench_ort: " + e.message);
    process.exit(1);
});
