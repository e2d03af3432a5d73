/**
 * The built entry point, so production runs plain JavaScript: `npm run build`, then
 * `node dist/main.js all|web|worker`. Development runs src/main.ts through tsx (`npm start`).
 */
import './src/main.js';
