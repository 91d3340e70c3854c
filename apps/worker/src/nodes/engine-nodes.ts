import type { MediaEngines } from "../engines/find-engines.js";
import type { NodeDefinition } from "./define-node.js";
import { generateSpeechNode } from "./speech/generate-speech.js";
import { transcribeAudioNode } from "./speech/transcribe-audio.js";
import { generateSubtitleFilesNode } from "./wservice/generate-subtitle-files.js";
import { segmentSubtitlesNode } from "./wservice/segment-subtitles.js";
import { cropSubtitleImagesNode } from "./ocr/crop-subtitle-images.js";
import { detectSubtitleAreaNode } from "./ocr/detect-subtitle-area.js";
import { performOcrNode } from "./ocr/perform-ocr.js";
import { postprocessAndFinalizeNode } from "./ocr/postprocess-and-finalize.js";

/**
 * The built-in nodes that need an engine besides ffmpeg, for the engines this machine has, and
 * why each missing one is not registered (for the worker's log): a worker without an engine does
 * not offer its node, rather than fail it at run time.
 */
export function engineNodes(engines: MediaEngines): { nodes: NodeDefinition[]; missing: string[] } {
  const transcribe = transcribeAudioNode(engines);
  const speech = generateSpeechNode(engines);
  const detect = detectSubtitleAreaNode(engines);
  const ocr = performOcrNode(engines);
  const missing = [
    ...(transcribe ? [] : ["speech.transcribe_audio: neither pocketsphinx (pocketsphinx_continuous and its en-us model) nor WF_ASR_API_URL"]),
    ...(speech ? [] : ["espeak.generate_speech: espeak-ng is not installed"]),
    ...(detect && ocr ? [] : ["tesseract.detect_subtitle_area, tesseract.perform_ocr: tesseract (with its language data) is not installed"]),
  ];
  const optional = [transcribe, speech, detect, ocr].filter((node): node is NodeDefinition => node !== undefined);
  return { nodes: [generateSubtitleFilesNode, segmentSubtitlesNode, cropSubtitleImagesNode, postprocessAndFinalizeNode, ...optional], missing };
}
