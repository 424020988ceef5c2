import { simulationTest } from "./seeds.ts";

simulationTest(2);
