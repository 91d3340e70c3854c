import type { MediaEngines } from "../engines/find-engines.js";
import type { NodeDefinition } from "./define-node.js";
import { generateSpeechNode } from "./speech/generate-speech.js";
import { transcribeAudioNode } from "./speech/transcribe-audio.js";
import { generateSubtitleFilesNode } from "./wservice/generate-subtitle-files.js";

/**
 * The built-in nodes that need an engine besides ffmpeg, for the engines this machine has, and
 * why each missing one is not registered (for the worker's log): a worker without an engine does
 * not offer its node, rather than fail it at run time.
 */
export function engineNodes(engines: MediaEngines): { nodes: NodeDefinition[]; missing: string[] } {
  const transcribe = transcribeAudioNode(engines);
  const speech = generateSpeechNode(engines);
  const missing = [
    ...(transcribe ? [] : ["speech.transcribe_audio: neither pocketsphinx (pocketsphinx_continuous and its en-us model) nor WF_ASR_API_URL"]),
    ...(speech ? [] : ["espeak.generate_speech: espeak-ng is not installed"]),
  ];
  return { nodes: [generateSubtitleFilesNode, ...(transcribe ? [transcribe] : []), ...(speech ? [speech] : [])], missing };
}
